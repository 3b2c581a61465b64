#!/usr/bin/env python3
"""Helpers for the real-article extraction corpus (see README.md beside this file).

  corpus.py split URL      prints dev | heldout | reserved   (the split is fixed by the URL's hash,
                           decided before any article was read; reserved URLs are never used)
  corpus.py check          checks every labels/*.json: schema, split, reserved, duplicate URLs,
                           and that the local text (.corpus/real/ID.txt) exists
  corpus.py stats          articles per split, kind, outlet
"""
import hashlib, json, os, re, sys, glob
from urllib.parse import urlsplit, parse_qsl, urlencode

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TEXTS = os.path.join(ROOT, ".corpus", "real")
RESERVED = os.path.join(ROOT, "..", "shared", "extraction", "reserved-urls.txt")

def normalize(url):
    """Whole URL without scheme, leading www., trailing slash and utm_* parameters."""
    p = urlsplit(url.strip())
    host = p.netloc.lower()
    if host.startswith("www."): host = host[4:]
    query = urlencode([(k, v) for k, v in parse_qsl(p.query) if not k.lower().startswith("utm_")])
    path = p.path.rstrip("/")
    return host + path + ("?" + query if query else "")

def reserved():
    out = set()
    for path in [RESERVED, os.environ.get("DW_RESERVED_URLS", "")]:
        if path and os.path.exists(path):
            for line in open(path, encoding="utf-8"):
                line = line.strip()
                if line and not line.startswith("#"): out.add(normalize(line))
    return out

def split(url):
    if normalize(url) in reserved(): return "reserved"
    # 40 % held out, by a hash of the normalized URL: fixed before any article is read.
    return "heldout" if hashlib.sha256(normalize(url).encode()).digest()[0] % 5 < 2 else "dev"

KINDS = {"drama", "ost", "casting"}

def check():
    problems, seen = [], {}
    for path in sorted(glob.glob(os.path.join(HERE, "labels", "*.json"))):
        ident = os.path.basename(path)[:-5]
        try: doc = json.load(open(path, encoding="utf-8"))
        except Exception as e: problems.append(f"{ident}: bad JSON: {e}"); continue
        for field in ["url", "source", "query", "published_at", "headline", "split", "topic", "facts"]:
            if field not in doc: problems.append(f"{ident}: missing {field}")
        url = doc.get("url", "")
        if split(url) != doc.get("split"): problems.append(f"{ident}: split is {split(url)}, label says {doc.get('split')}")
        key = normalize(url)
        if key in seen: problems.append(f"{ident}: same URL as {seen[key]}")
        seen[key] = ident
        for i, f in enumerate(doc.get("facts", [])):
            if f.get("kind") not in KINDS: problems.append(f"{ident}: fact {i}: kind")
            if "primary" not in f: problems.append(f"{ident}: fact {i}: no primary flag")
            if f.get("kind") == "ost" and not f.get("artists"): problems.append(f"{ident}: fact {i}: an OST needs an artist")
        if not os.path.exists(os.path.join(TEXTS, ident + ".txt")): problems.append(f"{ident}: no local text")
    for p in problems: print(p)
    print(f"{len(seen)} articles, {len(problems)} problems")
    return 1 if problems else 0

def stats():
    from collections import Counter
    docs = [json.load(open(p, encoding="utf-8")) for p in glob.glob(os.path.join(HERE, "labels", "*.json"))]
    print("split", Counter(d.get("split") for d in docs))
    print("topic", Counter(d.get("topic") for d in docs))
    print("outlets", len(set(d.get("source") for d in docs)), Counter(d.get("source") for d in docs).most_common())
    print("facts", Counter((d.get("split"), f.get("kind"), f.get("primary")) for d in docs for f in d.get("facts", [])))

if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "split" and len(sys.argv) == 3: print(split(sys.argv[2]))
    elif cmd == "check": sys.exit(check())
    elif cmd == "stats": stats()
    else: print(__doc__); sys.exit(2)
