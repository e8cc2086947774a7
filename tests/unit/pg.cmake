# The PostgreSQL store unit test (label pg). It runs on the throw-away
# cluster of the `pg` fixture (tests/integration/pg.cmake), whose URL file
# sits at a fixed place in the build tree; without the fixture it skips
# (exit 77). Not built without the PostgreSQL backend.
if(NOT ED_HAVE_PG)
  return()
endif()
# psql creates and drops the test's database: the newest server's, else PATH's.
file(GLOB _ed_pg_psql /usr/lib/postgresql/*/bin/psql)
if(_ed_pg_psql)
  list(SORT _ed_pg_psql COMPARE NATURAL ORDER DESCENDING)
  list(GET _ed_pg_psql 0 _ed_psql)
else()
  set(_ed_psql psql)
endif()
set(ED_PG_URL_FILE ${CMAKE_BINARY_DIR}/pg-cluster/url)

ed_unit_test(test_store_pg ${CMAKE_CURRENT_SOURCE_DIR}/store/test_store_pg.c)
set_tests_properties(test_store_pg PROPERTIES LABELS pg SKIP_RETURN_CODE 77
  FIXTURES_REQUIRED pg TIMEOUT 60
  ENVIRONMENT "ELEMENTSD_TEST_PG_URL_FILE=${ED_PG_URL_FILE};ELEMENTSD_TEST_PSQL=${_ed_psql}")
