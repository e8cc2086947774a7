# SPDX-License-Identifier: MIT
"""Event configuration (issue 11, spec elements-api.md §5.1/§5.2) over real
HTTP: the element definitions carry HubSpot's default poller configuration
(read from GET /elements/{key}, sent back unchanged), the event.* keys are
checked at create, PUT/PATCH, configuration entries and re-authentication
(a 400 naming the key), callback URLs are checked for syntax only
(loopback, private and unresolvable hosts are the user's business), and
eventsEnabled follows event.notification.enabled."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import instutil as u  # noqa: E402

CRM_DEFAULT = {
    "accounts": {"url": "/hubs/crm/accounts?where=lastmodifieddate='${date}'", "idField": "companyId",
                 "filterByUpdatedDate": True,
                 "datesConfiguration": {"updatedDateField": "properties.hs_lastmodifieddate",
                                        "updatedDateFormat": "milliseconds",
                                        "createdDateField": "properties.createdate",
                                        "createdDateFormat": "milliseconds"},
                 "createdCheckTolerance": 10},
    "contacts": {"url": "/hubs/crm/contacts?where=lastmodifieddate='${date}'", "idField": "vid",
                 "filterByUpdatedDate": True,
                 "datesConfiguration": {"updatedDateField": "properties.lastmodifieddate",
                                        "updatedDateFormat": "milliseconds",
                                        "createdDateField": "properties.createdate",
                                        "createdDateFormat": "milliseconds"},
                 "createdCheckTolerance": 10},
    "opportunities": {"url": "/hubs/crm/opportunities?where=lastmodifieddate='${date}'",
                      "idField": "dealId", "filterByUpdatedDate": True,
                      "datesConfiguration": {"updatedDateField": "properties.hs_lastmodifieddate",
                                             "updatedDateFormat": "milliseconds",
                                             "createdDateField": "properties.createdate",
                                             "createdDateFormat": "milliseconds"},
                      "createdCheckTolerance": 10},
}


def marketing_default():
    d = json.loads(json.dumps(CRM_DEFAULT).replace("/hubs/crm/", "/hubs/marketing/"))
    deals = d.pop("opportunities")
    deals["url"] = deals["url"].replace("/opportunities?", "/deals?")
    d["deals"] = deals
    return d


CB = "https://app.example.test/events"


class EventsConfig(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = u.InstEnv("ed-events-config-")

    @classmethod
    def tearDownClass(cls):
        rc = cls.env.close()
        assert rc == 0, "elementsd exited with %r" % rc

    # --- helpers ------------------------------------------------------------------

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, (r, r.body[:500], self.env.ed_log()[-1500:]))
        return r.json() if r.body else None

    def refused(self, r, key):
        self.assertEqual(r.status, 400, (r, r.body[:500]))
        b = r.json()
        self.assertEqual(set(b), {"requestId", "message"}, b)
        self.assertIn(key, b["message"])
        return b

    def body(self, element="hubspotcrm", name="ev-cfg", **cfg):
        b = self.env.body_apikey(element=element, name=name)
        b["configuration"].update(cfg)
        return b

    def defs(self, element):
        el = self.ok(self.env.api("GET", "/elements/%s" % element))
        return {c["key"]: c for c in el["configuration"]}

    def cfg(self, inst):
        return self.ok(self.env.api("GET", "/instances/%d" % inst["id"]))["configuration"]

    # --- element definitions ----------------------------------------------------------

    def test_defaults_in_element_definitions(self):
        for element, want in (("hubspotcrm", CRM_DEFAULT), ("hubspot", marketing_default())):
            d = self.defs(element)
            self.assertEqual(json.loads(d["event.poller.configuration"]["defaultValue"]), want)
            self.assertEqual(list(json.loads(d["event.poller.configuration"]["defaultValue"])),
                             list(want))
            self.assertEqual(d["event.poller.refresh_interval"]["defaultValue"], "15")
            self.assertEqual(d["event.vendor.type"]["defaultValue"], "polling")
            self.assertEqual(d["event.notification.enabled"]["defaultValue"], "false")
            self.assertEqual(d["event.notification.enabled"]["type"], "BOOLEAN")
            self.assertEqual(d["event.notification.type"]["defaultValue"], "webhook")
            self.assertEqual(d["event.notification.signature.key"]["type"], "PASSWORD")
            for k in ("event.objects", "event.poller.urls", "event.notification.callback.url"):
                self.assertEqual(d[k]["defaultValue"], "", k)
            self.assertNotIn("event.metadata", d)
            # the same through the configuration list
            lst = self.ok(self.env.api("GET", "/elements/%s/configuration" % element))
            self.assertEqual([c for c in lst if c["key"] == "event.poller.configuration"][0],
                             d["event.poller.configuration"])

    def test_defaults_sent_back_unchanged(self):
        for element in ("hubspotcrm", "hubspot"):
            d = self.defs(element)
            events = {k: c["defaultValue"] for k, c in d.items()
                      if k.startswith("event.") and c["type"] != "PASSWORD"}
            inst = self.env.create(self.body(element=element, name="ev-back-" + element,
                                             **events))
            cfg = self.cfg(inst)
            self.assertEqual(cfg["event.poller.configuration"],
                             d["event.poller.configuration"]["defaultValue"])
            self.assertFalse(inst["eventsEnabled"])
            # PATCH and PUT with the same values, and the configuration entry
            path = "/instances/%d" % inst["id"]
            self.ok(self.env.api("PATCH", path, {"configuration": events}))
            put = dict(self.body(element=element)["configuration"], **events)
            put["hubspot.authorization.apikey"] = u.MASK
            self.ok(self.env.api("PUT", path, {"name": "ev-back", "configuration": put}))
            entries = self.ok(self.env.api("GET", path + "/configuration"))
            pc = [x for x in entries if x["key"] == "event.poller.configuration"][0]
            self.ok(self.env.api("PATCH", path + "/configuration/%d" % pc["id"],
                                 {"propertyValue": pc["propertyValue"]}))
            # as a JSON object rather than text: stored as text
            obj = json.loads(pc["propertyValue"])
            p = self.ok(self.env.api("PATCH", path, {"configuration": {
                "event.poller.configuration": obj}}))
            self.assertEqual(json.loads(p["configuration"]["event.poller.configuration"]), obj)

    def test_instance_without_event_keys_gets_the_defaults(self):
        inst = self.env.create(self.body(name="ev-plain"))
        cfg = inst["configuration"]
        self.assertEqual(json.loads(cfg["event.poller.configuration"]), CRM_DEFAULT)
        self.assertEqual(cfg["event.poller.refresh_interval"], "15")
        self.assertEqual(cfg["event.vendor.type"], "polling")
        self.assertIsNone(cfg["event.objects"])
        self.assertFalse(inst["eventsEnabled"])

    # --- validation -------------------------------------------------------------------

    BAD = [
        ("event.notification.callback.url", "ftp://files.example.test/x"),
        ("event.notification.callback.url", "javascript:alert(1)"),
        ("event.notification.callback.url", "garbage"),
        ("event.notification.callback.url", "http:///nohost"),
        ("event.poller.refresh_interval", "0"),
        ("event.poller.refresh_interval", 0),
        ("event.poller.refresh_interval", "-1"),
        ("event.poller.refresh_interval", "every hour"),
        ("event.poller.refresh_interval", 1.5),
        ("event.poller.configuration", "[1, 2]"),
        ("event.poller.configuration", "{not json"),
        ("event.poller.configuration", {"contacts": "often"}),
        ("event.poller.configuration", {"widgets": {"idField": "id"}}),
        ("event.vendor.type", "push"),
        ("event.notification.enabled", "maybe"),
        ("event.notification.type", "email"),
        ("event.objects", "Contact,<script>"),
    ]

    def test_create_refuses_bad_values(self):
        before = self.env.count()
        for key, value in self.BAD:
            with self.subTest(key=key, value=value):
                self.refused(self.env.api("POST", "/instances",
                                          self.body(**{key: value})), key)
        self.assertEqual(self.env.count(), before)

    def test_changes_refuse_bad_values(self):
        inst = self.env.create(self.body(name="ev-change"))
        path = "/instances/%d" % inst["id"]
        entries = {x["key"]: x["id"] for x in self.ok(self.env.api("GET", path + "/configuration"))}
        for key, value in self.BAD:
            with self.subTest(key=key, value=value):
                self.refused(self.env.api("PATCH", path, {"configuration": {key: value}}), key)
                put = dict(self.body()["configuration"], **{key: value})
                put["hubspot.authorization.apikey"] = u.MASK
                self.refused(self.env.api("PUT", path, {"name": "x", "configuration": put}), key)
                self.refused(self.env.api("PATCH", path + "/configuration/%d" % entries[key],
                                          {"propertyValue": value}), key)
                self.refused(self.env.api("PATCH", path, {"configuration": {key: value}},
                                          query={"reAuthenticate": "true"}), key)
                self.refused(self.env.api("PATCH", "/instances", {"configuration": {key: value}},
                                          token=inst["token"]), key)
        # nothing changed
        self.assertEqual(self.cfg(inst), inst["configuration"])

    def test_refresh_interval_bounds(self):
        inst = self.env.create(self.body(name="ev-interval",
                                         **{"event.poller.refresh_interval": 1}))
        self.assertEqual(inst["configuration"]["event.poller.refresh_interval"], "1")
        path = "/instances/%d" % inst["id"]
        p = self.ok(self.env.api("PATCH", path, {"configuration": {
            "event.poller.refresh_interval": "60"}}))
        self.assertEqual(p["configuration"]["event.poller.refresh_interval"], "60")
        self.refused(self.env.api("PATCH", path, {"configuration": {
            "event.poller.refresh_interval": "10081"}}), "event.poller.refresh_interval")
        # empty: back to the default
        p = self.ok(self.env.api("PATCH", path, {"configuration": {
            "event.poller.refresh_interval": ""}}))

    def test_callback_urls_syntax_only(self):
        for url in ("http://127.0.0.1:9/cb", "http://localhost:8080/hook",
                    "http://10.1.2.3/x", "http://192.168.7.20/events",
                    "http://172.16.0.9:81/", "http://[::1]:9000/cb",
                    "https://no-such-host.invalid/cb", "HTTPS://Example.Test/a?b=c"):
            with self.subTest(url=url):
                inst = self.env.create(self.body(name="ev-cb", **{
                    "event.notification.callback.url": url,
                    "event.notification.enabled": True}))
                self.assertEqual(inst["configuration"]["event.notification.callback.url"], url)
                self.assertTrue(inst["eventsEnabled"])

    def test_webhook_vendor_types(self):
        for v in ("webhook", "webhooks", "polling", "Webhooks"):
            inst = self.env.create(self.body(name="ev-vt", **{
                "event.vendor.type": v, "event.objects": "Contact, Account,deals"}))
            self.assertEqual(inst["configuration"]["event.vendor.type"], v)

    def test_partial_poller_configuration(self):
        inst = self.env.create(self.body(name="ev-partial", **{
            "event.poller.configuration": {"contacts": {"pageSize": 10},
                                           "tickets": {"url": "/hubs/crm/tickets", "idField": "id"}}}))
        self.assertEqual(json.loads(inst["configuration"]["event.poller.configuration"])
                         ["contacts"], {"pageSize": 10})

    # --- eventsEnabled ------------------------------------------------------------------

    def test_events_enabled_follows_the_key(self):
        inst = self.env.create(self.body(name="ev-enabled"))
        self.assertFalse(inst["eventsEnabled"])
        path = "/instances/%d" % inst["id"]
        # enabling needs a callback URL
        self.refused(self.env.api("PATCH", path, {"configuration": {
            "event.notification.enabled": True}}), "event.notification.callback.url")
        p = self.ok(self.env.api("PATCH", path, {"configuration": {
            "event.notification.enabled": True, "event.notification.callback.url": CB}}))
        self.assertTrue(p["eventsEnabled"])
        self.assertEqual(p["configuration"]["event.notification.enabled"], "true")
        self.assertTrue(self.ok(self.env.api("GET", path))["eventsEnabled"])
        listed = [i for i in self.ok(self.env.api("GET", "/instances")) if i["id"] == inst["id"]]
        self.assertTrue(listed[0]["eventsEnabled"])
        # the callback URL cannot be removed while enabled
        self.refused(self.env.api("PATCH", path, {"configuration": {
            "event.notification.callback.url": None}}), "event.notification.callback.url")
        entries = {x["key"]: x["id"] for x in self.ok(self.env.api("GET", path + "/configuration"))}
        e = self.ok(self.env.api("PATCH", path + "/configuration/%d"
                                 % entries["event.notification.enabled"],
                                 {"propertyValue": "false"}))
        self.assertEqual(e["propertyValue"], "false")
        self.assertFalse(self.ok(self.env.api("GET", path))["eventsEnabled"])
        p = self.ok(self.env.api("PATCH", path, {"configuration": {
            "event.notification.enabled": "TRUE"}}))
        self.assertTrue(p["eventsEnabled"])
        p = self.ok(self.env.api("PATCH", path, {"configuration": {
            "event.notification.enabled": False}}))
        self.assertFalse(p["eventsEnabled"])

    def test_signature_key_is_secret_and_may_be_empty(self):
        inst = self.env.create(self.body(name="ev-sig", **{
            "event.notification.signature.key": "s3cr3t-sig"}))
        self.assertEqual(inst["configuration"]["event.notification.signature.key"], u.MASK)
        p = self.ok(self.env.api("PATCH", "/instances/%d" % inst["id"], {"configuration": {
            "event.notification.signature.key": ""}}))
        self.assertEqual(p["configuration"]["event.notification.signature.key"], u.MASK)


if __name__ == "__main__":
    unittest.main()
