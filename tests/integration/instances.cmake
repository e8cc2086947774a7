# Element instances (issue 4): the real elementsd against hubspot-sim.
# Included by tests/integration/CMakeLists.txt.
ed_py_test(integration.instances_create ${CMAKE_CURRENT_LIST_DIR}/test_instances_create.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.instances_manage ${CMAKE_CURRENT_LIST_DIR}/test_instances_manage.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.instances_lifecycle ${CMAKE_CURRENT_LIST_DIR}/test_instances_lifecycle.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.instances_rotation ${CMAKE_CURRENT_LIST_DIR}/test_instances_rotation.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.instances_refresher ${CMAKE_CURRENT_LIST_DIR}/test_instances_refresher.py
           LABELS integration TIMEOUT 120)
