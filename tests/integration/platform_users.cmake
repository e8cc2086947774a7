# Accounts, users and roles (issue 15).
foreach(_m platform_accounts platform_users platform_roles)
  ed_py_test(integration.${_m} ${CMAKE_CURRENT_SOURCE_DIR}/test_${_m}.py
             LABELS integration TIMEOUT 180)
endforeach()
