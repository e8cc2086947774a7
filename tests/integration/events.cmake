# Cloud Elements events (issue 11): the real elementsd against hubspot-sim.
# Included by tests/integration/CMakeLists.txt.
ed_py_test(integration.events_outbox ${CMAKE_CURRENT_LIST_DIR}/test_events_outbox.py
           LABELS integration TIMEOUT 180)
ed_py_test(integration.events_config ${CMAKE_CURRENT_LIST_DIR}/test_events_config.py
           LABELS integration TIMEOUT 120)
ed_py_test(integration.events_poller ${CMAKE_CURRENT_LIST_DIR}/test_events_poller.py
           LABELS integration TIMEOUT 240)
ed_py_test(integration.events_webhooks ${CMAKE_CURRENT_LIST_DIR}/test_events_webhooks.py
           LABELS integration TIMEOUT 240)
