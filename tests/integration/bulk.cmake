# Bulk downloads (issue 13): src/bulk/ and api/api_bulk.c against
# hubspot-sim. Included by tests/integration/CMakeLists.txt; the PostgreSQL
# variant is in pg.cmake.
ed_py_test(integration.bulk_download
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_download.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_upload
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_upload.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_callbacks
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_callbacks.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_properties
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_properties.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_workflows
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_workflows.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_stream
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_stream.py
           LABELS integration TIMEOUT 600)
ed_py_test(integration.bulk_marketing
           ${CMAKE_CURRENT_LIST_DIR}/test_bulk_marketing.py
           LABELS integration TIMEOUT 600)
