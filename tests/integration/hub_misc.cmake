# Hub resources of src/hub/hub_{activities,objects,owners,pipelines,timeline}.c
# against hubspot-sim (included from
# tests/integration/CMakeLists.txt).
ed_py_test(integration.hub_misc ${CMAKE_CURRENT_LIST_DIR}/test_hub_misc.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_misc_engagements ${CMAKE_CURRENT_LIST_DIR}/test_hub_misc_engagements.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_properties ${CMAKE_CURRENT_LIST_DIR}/test_hub_properties.py
           LABELS integration TIMEOUT 120)
