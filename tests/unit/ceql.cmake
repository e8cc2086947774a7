# SPDX-License-Identifier: MIT
# CEQL parser/translator unit test (api/ceql.c); included from
# tests/unit/CMakeLists.txt.
ed_unit_test(test_api_ceql ${CMAKE_CURRENT_LIST_DIR}/api/test_api_ceql.c)
