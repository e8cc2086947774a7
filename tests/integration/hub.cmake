# CRM objects of src/hub/hub_crm.c and the hub call path of src/hub/hub.c
# against hubspot-sim (included from tests/integration/CMakeLists.txt).
ed_py_test(integration.hub_crm ${CMAKE_CURRENT_LIST_DIR}/test_hub_crm.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_crm_query ${CMAKE_CURRENT_LIST_DIR}/test_hub_crm_query.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_crm_errors ${CMAKE_CURRENT_LIST_DIR}/test_hub_crm_errors.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_crm_throttle ${CMAKE_CURRENT_LIST_DIR}/test_hub_crm_throttle.py
           LABELS integration TIMEOUT 120)
# The call path without waiting threads (issue 10): token refreshes as
# asynchronous flights, and calls whose client went away cancelled.
ed_py_test(integration.hub_async_refresh ${CMAKE_CURRENT_LIST_DIR}/test_hub_async_refresh.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_abandon ${CMAKE_CURRENT_LIST_DIR}/test_hub_abandon.py
           LABELS integration TIMEOUT 120)
# Classic ids, the one paging rule of src/hub/paging.c and the search body
# limit, on every hub resource.
ed_py_test(integration.hub_limits ${CMAKE_CURRENT_LIST_DIR}/test_hub_limits.py
           LABELS integration TIMEOUT 180)
