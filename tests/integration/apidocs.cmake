# API documents (src/apidocs/, src/api/api_docs.c) against hubspot-sim,
# validated with @apidevtools/swagger-parser from tests/browser/node_modules
# (included from tests/integration/CMakeLists.txt).
ed_py_test(integration.apidocs ${CMAKE_CURRENT_LIST_DIR}/test_apidocs.py
           LABELS integration TIMEOUT 180)
