# Secret lifecycle and the audit log (issue 15). Included by
# tests/integration/CMakeLists.txt after pg.cmake (for ed_pg_py_test).
ed_py_test(integration.platform_secrets ${CMAKE_CURRENT_LIST_DIR}/test_platform_secrets.py
           LABELS integration TIMEOUT 180)
ed_py_test(integration.platform_audit ${CMAKE_CURRENT_LIST_DIR}/test_platform_audit.py
           LABELS integration TIMEOUT 180)
if(COMMAND ed_pg_py_test)
  # the PostgreSQL variants; platform_secrets adds two nodes on one database
  ed_pg_py_test(platform_secrets ${CMAKE_CURRENT_LIST_DIR}/test_platform_secrets.py TIMEOUT 180)
  ed_pg_py_test(platform_audit ${CMAKE_CURRENT_LIST_DIR}/test_platform_audit.py TIMEOUT 180)
endif()
