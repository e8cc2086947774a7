# SPDX-License-Identifier: MIT
# CEQL parser/translator unit test (hub/ceql.c); included from
# tests/unit/CMakeLists.txt.
ed_unit_test(test_hub_ceql ${CMAKE_CURRENT_LIST_DIR}/hub/test_hub_ceql.c)
ed_unit_test(test_hub_paging ${CMAKE_CURRENT_LIST_DIR}/hub/test_hub_paging.c)
ed_unit_test(test_hub_throttle ${CMAKE_CURRENT_LIST_DIR}/hub/test_hub_throttle.c)
ed_unit_test(test_hub_lists ${CMAKE_CURRENT_LIST_DIR}/hub/test_hub_lists.c)
