# SPDX-License-Identifier: MIT
"""Docs stay in sync with the binary: every flag and environment variable
that `elementsd serve --help` lists is documented in docs/CONFIG.md with its
default, and every platform path of the catalogue/auth/health resources has
a page in docs/api/."""
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "support"))
import harness as h  # noqa: E402

DOCS = os.path.join(h.ROOT, "docs")


def read(*parts):
    with open(os.path.join(DOCS, *parts), encoding="utf-8") as f:
        return f.read()


class DocsInSync(unittest.TestCase):
    def test_every_config_key_documented(self):
        r = h.run_elementsd("serve", "--help")
        self.assertEqual(r.returncode, 0)
        doc = read("CONFIG.md")
        rows = re.findall(r'^  (--[a-z0-9-]+) .*\n\s+env (ELEMENTSD_[A-Z0-9_]+), '
                          r'default "([^"]*)"', r.stdout, re.M)
        self.assertGreaterEqual(len(rows), 10, r.stdout)
        for flag, env, default in rows:
            self.assertIn("`%s" % flag, doc, flag)
            self.assertIn("`%s`" % env, doc, env)
            if default:
                self.assertIn(default, doc, "%s default %s" % (flag, default))
        self.assertIn("ELEMENTSD_MASTER_KEY", r.stdout)
        self.assertIn("`ELEMENTSD_MASTER_KEY`", doc)
        self.assertIn("--print-config", doc)

    def test_api_pages(self):
        pages = {
            "health.md": ["/health"],
            "authentication.md": ["/authentication", "/authentication/secrets",
                                  "Access-Control-Expose-Headers"],
            "elements.md": ["/elements", "/elements/keys", "/elements/metadata",
                            "/elements/{keyOrId}", "/elements/{keyOrId}/configuration",
                            "/elements/{keyOrId}/metadata",
                            "/elements/{keyOrId}/oauth/url"],
            "hubs.md": ["/hubs", "/hubs/keys", "/hubs/{key}", "/hubs/{key}/elements"],
        }
        for page, paths in pages.items():
            text = read("api", page)
            for section in ("Synopsis", "Request", "Responses", "Errors",
                            "Example", "See also"):
                self.assertRegex(text, r"(?m)^## %s$" % section, "%s: %s" % (page, section))
            for p in paths:
                self.assertIn(p, text, "%s: %s" % (page, p))
            self.assertIn("http://127.0.0.1:8080/elements/api-v2", text, page)


if __name__ == "__main__":
    unittest.main(verbosity=2)
