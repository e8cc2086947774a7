# HubSpot Marketing files, folders, marketing emails and forms
# (src/hub/hub_files.c, src/hub/hub_marketing.c) against hubspot-sim
# (included from tests/integration/CMakeLists.txt).
ed_py_test(integration.hub_marketing_files ${CMAKE_CURRENT_LIST_DIR}/test_hub_marketing_files.py
           LABELS integration TIMEOUT 120)
