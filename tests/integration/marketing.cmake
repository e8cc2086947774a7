# HubSpot Marketing resources of src/hub/hub_{lists,campaigns,workflows}.c
# against hubspot-sim (included from tests/integration/CMakeLists.txt).
ed_py_test(integration.hub_marketing_lists ${CMAKE_CURRENT_LIST_DIR}/test_hub_marketing_lists.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_streamed_lists ${CMAKE_CURRENT_LIST_DIR}/test_hub_streamed_lists.py
           LABELS integration TIMEOUT 120)
