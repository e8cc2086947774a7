# Per-instance traces and the dashboard summary (issue 15; src/traces/).
# Included by tests/integration/CMakeLists.txt.
ed_py_test(integration.traces ${CMAKE_CURRENT_LIST_DIR}/test_traces.py
           LABELS integration TIMEOUT 180)
