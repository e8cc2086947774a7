# Virtual data resources (issue 12): the platform routes (definitions,
# transformations) against the real elementsd. Included by
# tests/integration/CMakeLists.txt; the PostgreSQL variant is in pg.cmake.
ed_py_test(integration.vdr_api ${CMAKE_CURRENT_LIST_DIR}/test_vdr_api.py
           LABELS integration TIMEOUT 180)
# Hub calls on virtual resources (src/hub/virtual.c) against hubspot-sim.
ed_py_test(integration.vdr_hub ${CMAKE_CURRENT_LIST_DIR}/test_vdr_hub.py
           LABELS integration TIMEOUT 180)
# Abandoned virtual calls and scripts (client gone mid-call).
ed_py_test(integration.vdr_abandon ${CMAKE_CURRENT_LIST_DIR}/test_vdr_abandon.py
           LABELS integration TIMEOUT 180)
# The VDR v2 calls (/common-resources, /vdrs; src/api/api_vdrs.c).
ed_py_test(integration.vdr_v2 ${CMAKE_CURRENT_LIST_DIR}/test_vdr_v2.py
           LABELS integration TIMEOUT 180)
