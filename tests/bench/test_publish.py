#!/usr/bin/env python3
"""Unit tests of bench/publish.py: the section it writes between the markers,
the SVG plots (well-formed XML, one line per series), the combined JSON,
and its refusals. The fixtures are real outputs of bench_calls (500
iterations), bench_scale (quick), bench_sc (3 iterations) and bench_snapshot (20).
Usage: test_publish.py SOURCE_DIR"""
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout

SRC = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
spec = importlib.util.spec_from_file_location("publish", os.path.join(SRC, "bench", "publish.py"))
publish = importlib.util.module_from_spec(spec)
spec.loader.exec_module(publish)
FIX = os.path.join(SRC, "tests", "bench", "fixtures")
DOC = "# Performance\n\nhand-written text before\n\n<!-- bench:begin -->\nold figures\n<!-- bench:end -->\n\nafter\n"
SVG = "{http://www.w3.org/2000/svg}"


class Publish(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        self.doc = os.path.join(self.dir, "performance.md")
        with open(self.doc, "w") as f:
            f.write(DOC)
        self.plots = os.path.join(self.dir, "perf")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def run_publish(self, *extra, calls=True, scale=True, sc=True, snapshot=True):
        args = ["--doc", self.doc, "--plots", self.plots, "--kvm-kind", "pvm"]
        if snapshot:
            args += ["--snapshot", os.path.join(FIX, "snapshot.json")]
        if calls:
            args += ["--calls", os.path.join(FIX, "calls.json")]
        if scale:
            args += ["--scale", os.path.join(FIX, "scale.json")]
        if sc:
            args += ["--sc", os.path.join(FIX, "sc.json")]
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = publish.main(args + list(extra))
        return rc, err.getvalue()

    def read_doc(self):
        with open(self.doc) as f:
            return f.read()

    def test_snapshot_table(self):
        rc, _ = self.run_publish()
        self.assertEqual(rc, 0)
        doc = self.read_doc()
        self.assertIn("### Snapshots and resets (`bench_snapshot`)", doc)
        with open(os.path.join(FIX, "snapshot.json")) as f:
            snap = json.load(f)
        kvm = [e for e in snap["engines"] if e.get("engine") == "kvm"][0]
        row = [l for l in doc.splitlines() if l.startswith("| kvm | ") and publish.fmt_ns(kvm["reset_ns"]) in l]
        self.assertEqual(len(row), 1, "one kvm row carrying the reset time")
        self.assertIn("not supported on this engine", doc)
        with open(os.path.join(self.plots, "bench.json")) as f:
            self.assertEqual(json.load(f)["snapshot"], snap)

    def test_section_replaced_and_rest_kept(self):
        rc, _ = self.run_publish()
        self.assertEqual(rc, 0)
        doc = self.read_doc()
        self.assertTrue(doc.startswith("# Performance\n\nhand-written text before\n\n<!-- bench:begin -->"))
        self.assertTrue(doc.endswith("<!-- bench:end -->\n\nafter\n"))
        self.assertNotIn("old figures", doc)
        self.assertEqual(doc.count(publish.BEGIN), 1)
        self.assertEqual(doc.count(publish.END), 1)
        for text in ("| empty ECALL |", "| kvm | process |", "KVM: pvm", "| 1 MiB |", "### Density",
                     "### Secure channel", "![latency by payload size](perf/payload.svg)",
                     "![create time by enclaves alive](perf/density.svg)"):
            self.assertIn(text, doc)

    def test_ratios_come_from_the_run(self):
        self.run_publish()
        doc = self.read_doc()
        with open(os.path.join(FIX, "calls.json")) as f:
            kvm = json.load(f)["engines"][0]
        self.assertIn(f"({kvm['ratio_empty_ecall_vs_futex']:.2f}x)", doc)
        self.assertIn(publish.fmt_ns(kvm["empty_ecall_ns"]), doc)

    def test_plots(self):
        self.run_publish()
        pay = ET.parse(os.path.join(self.plots, "payload.svg")).getroot()
        names = [p.get("data-series") for p in pay.iter(SVG + "polyline")]
        self.assertEqual(sorted(names), sorted(["kvm [in]", "kvm [out]", "kvm [in,out]", "process [in]",
                                                "process [out]", "process [in,out]", "memcpy"]))
        with open(os.path.join(FIX, "scale.json")) as f:
            npay = len(json.load(f)["engines"][0]["payload"])
        for p in pay.iter(SVG + "polyline"):
            self.assertEqual(len(p.get("points").split()), npay)
        dens = ET.parse(os.path.join(self.plots, "density.svg")).getroot()
        self.assertEqual(sorted(p.get("data-series") for p in dens.iter(SVG + "polyline")), ["kvm", "process"])

    def test_combined_json(self):
        self.run_publish()
        with open(os.path.join(self.plots, "bench.json")) as f:
            b = json.load(f)
        self.assertEqual(b["machine"]["kvm"], "pvm")
        self.assertGreater(b["machine"]["cpus"], 0)
        self.assertEqual(b["calls"]["benchmark"], "calls")
        self.assertEqual(b["secure_channel"]["benchmark"], "secure_channel")

    def test_twice_is_one_section(self):
        self.assertEqual(self.run_publish()[0], 0)
        self.assertEqual(self.run_publish()[0], 0)
        doc = self.read_doc()
        self.assertEqual(doc.count(publish.BEGIN), 1)
        self.assertTrue(doc.endswith("<!-- bench:end -->\n\nafter\n"))

    def test_calls_only_has_no_plots(self):
        rc, _ = self.run_publish(scale=False, sc=False)
        self.assertEqual(rc, 0)
        self.assertFalse(os.path.exists(os.path.join(self.plots, "payload.svg")))
        self.assertNotIn("payload.svg", self.read_doc())

    def test_skipped_engine(self):
        with open(os.path.join(FIX, "calls.json")) as f:
            calls = json.load(f)
        calls["engines"][0] = {"engine": "kvm", "skipped": True, "reason": "no /dev/kvm"}
        path = os.path.join(self.dir, "calls.json")
        with open(path, "w") as f:
            json.dump(calls, f)
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = publish.main(["--doc", self.doc, "--plots", self.plots, "--calls", path])
        self.assertEqual(rc, 0)
        self.assertIn("kvm: skipped (no /dev/kvm).", self.read_doc())

    def test_refusals_leave_the_page(self):
        with open(self.doc, "w") as f:
            f.write("# no markers\n")
        rc, err = self.run_publish()
        self.assertEqual(rc, 2)
        self.assertIn("bench:begin", err)
        self.assertEqual(self.read_doc(), "# no markers\n")
        with open(self.doc, "w") as f:
            f.write(DOC)
        bad = os.path.join(self.dir, "bad.json")
        with open(bad, "w") as f:
            f.write("{not json")
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            rc = publish.main(["--doc", self.doc, "--plots", self.plots, "--calls", bad])
        self.assertEqual(rc, 2)
        self.assertIn("bad.json", err.getvalue())
        self.assertEqual(self.read_doc(), DOC)
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            self.assertEqual(publish.main(["--doc", self.doc, "--plots", self.plots]), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
