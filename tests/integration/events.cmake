# Events (issue 11): the real elementsd against hubspot-sim and local receivers.
# Included by tests/integration/CMakeLists.txt.
ed_py_test(integration.events_webhooks ${CMAKE_CURRENT_LIST_DIR}/test_events_webhooks.py
           LABELS integration TIMEOUT 240)
