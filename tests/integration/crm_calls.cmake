# The CRM hub's missing calls (issue 14): child objects through
# associations, Elements-Async-Request, object metadata (included from
# tests/integration/CMakeLists.txt; the PostgreSQL variant is in pg.cmake).
ed_py_test(integration.hub_assoc ${CMAKE_CURRENT_LIST_DIR}/test_hub_assoc.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_async ${CMAKE_CURRENT_LIST_DIR}/test_hub_async.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_writes ${CMAKE_CURRENT_LIST_DIR}/test_hub_writes.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_metadata ${CMAKE_CURRENT_LIST_DIR}/test_hub_metadata.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.hub_custom_objects
           ${CMAKE_CURRENT_LIST_DIR}/test_hub_custom_objects.py
           LABELS integration TIMEOUT 120)
