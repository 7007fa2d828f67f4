#!/usr/bin/env python3
"""Fails when a library crate declares a rust-version below one of its normal dependencies'.

A crate that says `rust-version = "1.85"` while `url` needs 1.88 tells users something false:
their 1.85 toolchain cannot build it. This reads `cargo metadata` (all features, the host
platform), walks each workspace library crate's normal (non-dev, non-build) dependencies
transitively, and compares the highest `rust-version` found with the crate's own.
"""
import json
import subprocess
import sys


def version(v):
    return tuple(int(p) for p in v.split(".")) if v else (0,)


meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--all-features",
         "--filter-platform", subprocess.run(["rustc", "-vV"], capture_output=True, text=True,
                                              check=True).stdout.split("host: ")[1].split()[0]],
        capture_output=True, text=True, check=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def normal_deps(node_id):
    for dep in nodes[node_id]["deps"]:
        if any(k["kind"] is None for k in dep["dep_kinds"]):
            yield dep["pkg"]


failed = False
for member in meta["workspace_members"]:
    pkg = packages[member]
    if not any("lib" in t["kind"] for t in pkg["targets"]) or pkg.get("publish") == []:
        continue
    own = pkg.get("rust_version")
    seen, stack, worst = set(), list(normal_deps(member)), (None, (0,))
    while stack:
        dep = stack.pop()
        if dep in seen:
            continue
        seen.add(dep)
        rv = packages[dep].get("rust_version")
        if rv and version(rv) > worst[1]:
            worst = (packages[dep]["name"] + " " + packages[dep]["version"], version(rv))
        stack.extend(normal_deps(dep))
    need = ".".join(map(str, worst[1]))
    status = "ok" if version(own) >= worst[1] else "TOO LOW"
    print(f"msrv: {pkg['name']} declares {own}; its dependencies need {need} ({worst[0]}): {status}")
    failed |= status != "ok"
sys.exit(1 if failed else 0)
