# GET /metrics (src/metrics/, src/http/metrics_http.c) and the Grafana
# dashboard of docs/ (included from tests/integration/CMakeLists.txt).
ed_py_test(integration.metrics ${CMAKE_CURRENT_LIST_DIR}/test_metrics.py
           LABELS integration TIMEOUT 120)
