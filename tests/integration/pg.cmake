# The integration suite again, on PostgreSQL (labels pg;integration).
#
# Fixture `pg`: pg.cluster.start runs scripts/pg-cluster.sh to start a
# throw-away cluster under the build tree (its URL in pg-cluster/url), and
# pg.cluster.stop removes it after the last test that needs it. Each pg
# test gets ELEMENTSD_TEST_PG_URL_FILE, and tests/support/harness.py then
# gives every data directory a fresh database on that cluster (--db).
#
# Add a module: ed_pg_py_test(NAME FILE) registers FILE as pg.NAME.
# Not registered without the PostgreSQL backend or the server binaries.
if(NOT ED_HAVE_PG)
  message(STATUS "pg tests: not registered (built without the PostgreSQL backend)")
  return()
endif()
file(GLOB _ed_pg_initdb /usr/lib/postgresql/*/bin/initdb)
find_program(ED_INITDB initdb)
if(NOT _ed_pg_initdb AND NOT ED_INITDB)
  message(STATUS "pg tests: not registered (no initdb: install the postgresql package)")
  return()
endif()
set(ED_PG_CLUSTER_DIR ${CMAKE_BINARY_DIR}/pg-cluster CACHE INTERNAL "")
set(ED_PG_URL_FILE ${ED_PG_CLUSTER_DIR}/url CACHE INTERNAL "")

add_test(NAME pg.cluster.start
  COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/pg-cluster.sh start ${ED_PG_CLUSTER_DIR})
set_tests_properties(pg.cluster.start PROPERTIES FIXTURES_SETUP pg
  LABELS "pg;integration" TIMEOUT 120)
add_test(NAME pg.cluster.stop
  COMMAND sh ${CMAKE_SOURCE_DIR}/scripts/pg-cluster.sh stop ${ED_PG_CLUSTER_DIR})
set_tests_properties(pg.cluster.stop PROPERTIES FIXTURES_CLEANUP pg
  LABELS "pg;integration" TIMEOUT 60)

# ed_pg_py_test(NAME file.py [TIMEOUT s]): FILE as test pg.NAME on the cluster.
function(ed_pg_py_test name file)
  cmake_parse_arguments(T "" "TIMEOUT" "" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  ed_py_test(pg.${name} ${file} LABELS "pg;integration" TIMEOUT ${T_TIMEOUT})
  set_property(TEST pg.${name} APPEND PROPERTY ENVIRONMENT
    "ELEMENTSD_TEST_PG_URL_FILE=${ED_PG_URL_FILE}")
  set_tests_properties(pg.${name} PROPERTIES FIXTURES_REQUIRED pg)
endfunction()

ed_pg_py_test(platform_http ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_http.py)
ed_pg_py_test(platform_auth ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_auth.py)
ed_pg_py_test(platform_elements ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_elements.py)
ed_pg_py_test(platform_hostile ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_hostile.py TIMEOUT 180)
# Instances and hub resources on PostgreSQL too (the suite is backend-blind).
foreach(mod instances_create instances_manage instances_lifecycle
            instances_rotation instances_refresher hub_misc hub_misc_engagements
            hub_crm hub_crm_query hub_crm_errors hub_crm_throttle hub_limits)
  ed_pg_py_test(${mod} ${CMAKE_CURRENT_SOURCE_DIR}/test_${mod}.py)
endforeach()
# The call path without waiting threads (issue 10), on PostgreSQL's claims.
ed_pg_py_test(hub_async_refresh ${CMAKE_CURRENT_SOURCE_DIR}/test_hub_async_refresh.py)
ed_pg_py_test(hub_abandon ${CMAKE_CURRENT_SOURCE_DIR}/test_hub_abandon.py)
# Events (issue 11)
ed_pg_py_test(events_config ${CMAKE_CURRENT_SOURCE_DIR}/test_events_config.py)
ed_pg_py_test(events_outbox ${CMAKE_CURRENT_SOURCE_DIR}/test_events_outbox.py TIMEOUT 180)
ed_pg_py_test(events_poller ${CMAKE_CURRENT_SOURCE_DIR}/test_events_poller.py TIMEOUT 240)
# Several nodes on one database (issue 7 phase B, docs/scaling.md): only on
# PostgreSQL. test_multinode_env.py is their shared environment.
ed_pg_py_test(multinode ${CMAKE_CURRENT_SOURCE_DIR}/test_multinode.py TIMEOUT 120)
ed_pg_py_test(multinode_bg ${CMAKE_CURRENT_SOURCE_DIR}/test_multinode_bg.py TIMEOUT 120)
# stops and starts a cluster of its own, not the fixture's
ed_pg_py_test(multinode_outage ${CMAKE_CURRENT_SOURCE_DIR}/test_multinode_outage.py
              TIMEOUT 120)
# Events (issue 11): webhooks in (its outage test stops a cluster of its own)
ed_pg_py_test(events_webhooks ${CMAKE_CURRENT_SOURCE_DIR}/test_events_webhooks.py TIMEOUT 300)
# Virtual data resources (issue 12): the platform routes, and a second node
ed_pg_py_test(vdr_api ${CMAKE_CURRENT_SOURCE_DIR}/test_vdr_api.py TIMEOUT 180)
ed_pg_py_test(vdr_hub ${CMAKE_CURRENT_SOURCE_DIR}/test_vdr_hub.py TIMEOUT 180)
ed_pg_py_test(vdr_v2 ${CMAKE_CURRENT_SOURCE_DIR}/test_vdr_v2.py TIMEOUT 180)
# Bulk downloads (issue 13) on PostgreSQL.
ed_pg_py_test(bulk_download ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_download.py TIMEOUT 600)
ed_pg_py_test(bulk_upload ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_upload.py TIMEOUT 600)
# The CRM hub's missing calls (issue 14): async requests through the outbox
ed_pg_py_test(hub_async ${CMAKE_CURRENT_SOURCE_DIR}/test_hub_async.py)
ed_pg_py_test(bulk_callbacks ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_callbacks.py TIMEOUT 600)
ed_pg_py_test(bulk_properties ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_properties.py TIMEOUT 600)
ed_pg_py_test(bulk_workflows ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_workflows.py TIMEOUT 600)
ed_pg_py_test(metrics ${CMAKE_CURRENT_SOURCE_DIR}/test_metrics.py TIMEOUT 300)
ed_pg_py_test(bulk_stream ${CMAKE_CURRENT_SOURCE_DIR}/test_bulk_stream.py TIMEOUT 600)
# Accounts, users and roles (issue 15)
ed_pg_py_test(platform_accounts ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_accounts.py TIMEOUT 180)
ed_pg_py_test(platform_users ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_users.py TIMEOUT 180)
ed_pg_py_test(platform_roles ${CMAKE_CURRENT_SOURCE_DIR}/test_platform_roles.py TIMEOUT 180)
ed_pg_py_test(traces ${CMAKE_CURRENT_SOURCE_DIR}/test_traces.py TIMEOUT 300)
ed_pg_py_test(admin_rotate ${CMAKE_CURRENT_SOURCE_DIR}/test_admin_rotate.py TIMEOUT 300)
ed_pg_py_test(admin_backup ${CMAKE_CURRENT_SOURCE_DIR}/test_admin_backup.py)
