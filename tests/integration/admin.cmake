# Operations (issue 15): admin rotate-key, backup and restore against the
# real binaries. Included by tests/integration/CMakeLists.txt; the
# PostgreSQL variants are in pg.cmake.
ed_py_test(integration.admin_rotate
           ${CMAKE_CURRENT_LIST_DIR}/test_admin_rotate.py
           LABELS integration TIMEOUT 300)
ed_py_test(integration.admin_backup
           ${CMAKE_CURRENT_LIST_DIR}/test_admin_backup.py
           LABELS integration TIMEOUT 300)
