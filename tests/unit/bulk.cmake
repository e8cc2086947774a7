# SPDX-License-Identifier: MIT
# Bulk upload readers (bulk/csv.c, records.c, multipart.c); included from
# tests/unit/CMakeLists.txt.
ed_unit_test(test_bulk_csv ${CMAKE_CURRENT_LIST_DIR}/bulk/test_bulk_csv.c)
ed_unit_test(test_bulk_records ${CMAKE_CURRENT_LIST_DIR}/bulk/test_bulk_records.c)
ed_unit_test(test_bulk_multipart ${CMAKE_CURRENT_LIST_DIR}/bulk/test_bulk_multipart.c)
ed_unit_test(test_bulk_cron ${CMAKE_CURRENT_LIST_DIR}/bulk/test_bulk_cron.c)
ed_unit_test(test_bulk_multipart_stream ${CMAKE_CURRENT_LIST_DIR}/bulk/test_bulk_multipart_stream.c)
