#!/usr/bin/python3
"""strata's bridge to dnf: resolve a package request, or install an exact locked set.

Reads one JSON request on stdin and prints one JSON answer on stdout. Everything dnf would
normally take from the host (dnf.conf, repos.d, vars, plugins, caches, logs, history, the rpm
database location) is set explicitly, so the host's package state is neither read nor written.
Errors are printed as {"error": {"kind": ..., "message": ..., ...}} with exit status 2.
"""
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

import dnf
import dnf.callback
import dnf.exceptions
import dnf.transaction
import hawkey
import rpm

RPMDB_PATH = "/usr/lib/sysimage/rpm"


class StrataError(Exception):
    def __init__(self, kind, message, **details):
        super().__init__(message)
        self.kind = kind
        self.details = details


def pin_rpmdb_path():
    """Debian's rpm keeps its database under $HOME unless told otherwise, and libdnf re-reads
    rpm's configuration when it initialises, so the macro is set again before every use."""
    rpm.addMacro("_dbpath", RPMDB_PATH)


def make_base(request):
    """A dnf.Base that sees only the repositories of the request."""
    pin_rpmdb_path()
    conf = dnf.conf.Conf()
    state = request["stateDir"]
    conf.config_file_path = "/dev/null"
    conf.reposdir = []
    conf.varsdir = []
    conf.installroot = request["installroot"]
    conf.cachedir = os.path.join(state, "cache")
    conf.logdir = os.path.join(state, "log")
    conf.persistdir = os.path.join(state, "persist")
    for path in (conf.cachedir, conf.logdir, conf.persistdir, conf.installroot):
        os.makedirs(path, exist_ok=True)
    conf.plugins = False
    conf.best = True
    conf.strict = True
    conf.install_weak_deps = bool(request.get("weakDependencies", False))
    conf.assumeyes = True
    conf.debuglevel = 0
    conf.errorlevel = 0
    conf.gpgcheck = False
    conf.tsflags = ["nocontexts"]
    conf.substitutions["releasever"] = request["releasever"]
    conf.substitutions["basearch"] = request["basearch"]
    conf.substitutions["arch"] = request["basearch"]
    conf.arch = request["basearch"]
    conf.basearch = request["basearch"]
    conf.metadata_expire = 0
    base = dnf.Base(conf)
    for spec in request["repositories"]:
        repo = dnf.repo.Repo(spec["id"], conf)
        if spec.get("baseurl"):
            repo.baseurl = spec["baseurl"]
        if spec.get("metalink"):
            repo.metalink = spec["metalink"]
        if spec.get("mirrorlist"):
            repo.mirrorlist = spec["mirrorlist"]
        repo.gpgcheck = bool(spec.get("gpgcheck", False))
        if spec.get("gpgkey"):
            repo.gpgkey = spec["gpgkey"]
        if spec.get("priority") is not None:
            repo.priority = spec["priority"]
        repo.skip_if_unavailable = False
        if spec.get("includepkgs") is not None:
            # Fence the repository: only these NEVRAs exist for the solver.
            repo.includepkgs = spec["includepkgs"]
        base.repos.add(repo)
    return base


def load_metadata(base, load_system_repo):
    pin_rpmdb_path()
    try:
        base.fill_sack(load_system_repo=load_system_repo, load_available_repos=True)
    except dnf.exceptions.RepoError as err:
        raise StrataError("repository", str(err))
    revisions = []
    for repo in base.repos.iter_enabled():
        revisions.append({"id": repo.id, "revision": repo._repo.getRevision() or None})
    return revisions


def describe(pkg):
    chksum_type, chksum = pkg.chksum if pkg.chksum else (None, None)
    if chksum_type is not None and hawkey.chksum_name(chksum_type) != "sha256":
        raise StrataError("checksum", "%s has a %s checksum in the repository metadata; strata locks sha256" % (pkg, hawkey.chksum_name(chksum_type)))
    return {
        "name": pkg.name,
        "epoch": pkg.epoch,
        "version": pkg.version,
        "release": pkg.release,
        "arch": pkg.arch,
        "sha256": chksum.hex() if chksum else None,
        "size": pkg.downloadsize,
        "installSize": pkg.installsize,
        "repository": pkg.reponame,
        "location": pkg.location,
    }


def nevra_spec(p):
    return "%s-%s:%s-%s.%s" % (p["name"], p["epoch"], p["version"], p["release"], p["arch"])


def fence_repositories(request):
    """Fence every repository of the request to the locked NEVRAs (includepkgs matches them with
    and without the epoch), so that nothing else exists for the solver."""
    locked = request["packages"]
    fence = [nevra_spec(p) for p in locked] + ["%s-%s-%s.%s" % (p["name"], p["version"], p["release"], p["arch"]) for p in locked]
    for repo in request["repositories"]:
        repo["includepkgs"] = fence


def request_packages(base, specs, what):
    for spec in specs:
        try:
            base.install(spec, strict=True)
        except dnf.exceptions.MarkingError:
            raise StrataError(
                "no-package",
                "%s \"%s\" matches no package in the repositories %s" % (what, spec, ", ".join(r.id for r in base.repos.iter_enabled())),
                spec=spec,
                repositories=[r.id for r in base.repos.iter_enabled()],
            )


def resolve_transaction(base):
    try:
        base.resolve(allow_erasing=False)
    except dnf.exceptions.DepsolveError as err:
        raise StrataError("depsolve", str(err))


def cmd_resolve(request):
    """The exact set dnf would install: the base's locked NEVRAs plus the new request."""
    base = make_base(request)
    revisions = load_metadata(base, load_system_repo=False)
    # The base layer's packages are requested by exact NEVRA, so the solver must build on them
    # as they are; anything it would pick instead shows up as a difference the caller refuses.
    for locked in request.get("basePackages", []):
        spec = nevra_spec(locked)
        if not base.sack.query().filterm(nevra_strict=spec).run():
            raise StrataError("base-missing", "the base layer's package %s is no longer in the repositories" % spec, spec=spec)
        request_packages(base, [spec], "base package")
    request_packages(base, request["packages"], "package")
    resolve_transaction(base)
    packages = [describe(p) for p in base.transaction.install_set]
    return {"packages": packages, "repositories": revisions}


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_key(url):
    """The bytes of one gpgkey URL (file://, http:// or https://)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.read()
    except (OSError, ValueError) as err:
        raise StrataError("gpgkey", "cannot read the gpgkey %s: %s" % (url, err), url=url)


def verify_signatures(packages, repositories, state_dir):
    """gpgcheck: every package from such a repository must carry a valid signature made by one of
    the repository's gpgkey files. dnf's API (unlike its command line) checks nothing itself, and
    the host's rpm keyring must not count, so rpmkeys checks each file against a keyring of its
    own holding exactly those keys; nothing of it reaches the image."""
    by_id = {spec["id"]: spec for spec in repositories}
    keyrings = {}
    for pkg in packages:
        spec = by_id.get(pkg.reponame)
        if not spec or not spec.get("gpgcheck"):
            continue
        if pkg.reponame not in keyrings:
            keys = spec.get("gpgkey") or []
            if not keys:
                raise StrataError("gpgkey", "repository %s has gpgcheck but no gpgkey; strata never uses the host's keyring, so name the key" % pkg.reponame)
            dbpath = tempfile.mkdtemp(prefix="keyring-", dir=state_dir)
            for index, url in enumerate(keys):
                key_file = os.path.join(dbpath, "key-%d.asc" % index)
                with open(key_file, "wb") as f:
                    f.write(read_key(url))
                imported = subprocess.run(["rpmkeys", "--define", "_dbpath " + dbpath, "--import", key_file], capture_output=True, text=True)
                if imported.returncode != 0:
                    raise StrataError("gpgkey", "the gpgkey %s of repository %s is not a key rpm can import: %s" % (url, pkg.reponame, imported.stderr.strip()), url=url)
            keyrings[pkg.reponame] = dbpath
        # _pkgverify_level signature: an unsigned package fails too, not only a bad signature.
        checked = subprocess.run(
            ["rpmkeys", "--define", "_dbpath " + keyrings[pkg.reponame], "--define", "_pkgverify_level signature", "--checksig", pkg.localPkg()],
            capture_output=True, text=True,
        )
        if checked.returncode != 0:
            detail = (checked.stdout + checked.stderr).strip().replace(pkg.localPkg(), os.path.basename(pkg.localPkg()))
            raise StrataError("signature", "%s from repository %s fails the signature check against its gpgkey (%s): %s" % (pkg, pkg.reponame, ", ".join(by_id[pkg.reponame]["gpgkey"]), detail), spec=str(pkg))


class ScriptletWatch(dnf.callback.TransactionProgress):
    """Collects what rpm reports about scriptlets: every failure (a %pre, %post, %posttrans,
    trigger or file trigger that exited non-zero), with the output the scriptlet printed. rpm
    itself only warns about most of them; strata fails the build unless the recipe allows it."""

    def __init__(self):
        super().__init__()
        self.failures = []
        # Output of the scriptlet that ran last and is not attributed yet: rpm may report a
        # failure before or after dnf reads the scriptlet's output.
        self.pending = ""

    def progress(self, package, action, ti_done, ti_total, ts_done, ts_total):
        if action == dnf.transaction.PKG_SCRIPTLET:
            self.pending = ""

    def error(self, message):
        match = re.match(r"Error in (\S+) scriptlet in rpm package (\S+)", message)
        package, scriptlet = (match.group(2), scriptlet_name(match.group(1))) if match else (None, None)
        self.failures.append({"package": package, "scriptlet": scriptlet, "output": self.pending, "message": message})
        self.pending = ""

    def scriptout(self, msgs):
        if not msgs:
            return
        text = msgs.decode("utf-8", "replace") if isinstance(msgs, bytes) else str(msgs)
        if self.failures and not self.failures[-1]["output"]:
            self.failures[-1]["output"] = text
        else:
            self.pending = text


def scriptlet_name(tag):
    """rpm's tag name (POSTIN, PRETRANS, TRIGGERIN, FILETRIGGERIN...) as a spec file writes it."""
    names = {"PREIN": "%pre", "POSTIN": "%post", "PREUN": "%preun", "POSTUN": "%postun", "PRETRANS": "%pretrans", "POSTTRANS": "%posttrans",
             "TRIGGERPREIN": "%triggerprein", "TRIGGERIN": "%triggerin", "TRIGGERUN": "%triggerun", "TRIGGERPOSTUN": "%triggerpostun",
             "FILETRIGGERIN": "%filetriggerin", "FILETRIGGERUN": "%filetriggerun", "FILETRIGGERPOSTUN": "%filetriggerpostun",
             "TRANSFILETRIGGERIN": "%transfiletriggerin", "TRANSFILETRIGGERUN": "%transfiletriggerun", "TRANSFILETRIGGERPOSTUN": "%transfiletriggerpostun"}
    return names.get(tag.upper(), "%" + tag.lower())


def allowed(failure, allow):
    return failure["package"] is not None and (failure["package"] in allow or "%s:%s" % (failure["package"], failure["scriptlet"]) in allow)


def cmd_install(request):
    """Install exactly the locked packages into installroot (which may hold a base layer)."""
    locked = request["packages"]
    fence_repositories(request)
    base = make_base(request)
    load_metadata(base, load_system_repo=True)
    installed = {nevra_spec(describe(p)) for p in base.sack.query().installed()}
    for p in locked:
        spec = nevra_spec(p)
        if spec in installed:
            continue
        matches = base.sack.query().available().filterm(nevra_strict=spec).run()
        if not matches:
            raise StrataError("not-in-repository", "locked package %s is not in the repositories any more" % spec, spec=spec)
        if matches[0].chksum and matches[0].chksum[1].hex() != p["sha256"]:
            raise StrataError("checksum", "%s: repository checksum %s differs from the lock's %s" % (spec, matches[0].chksum[1].hex(), p["sha256"]), spec=spec)
        base.package_install(matches[0], strict=True)
    resolve_transaction(base)
    wanted = {nevra_spec(p) for p in locked}
    if base.transaction.remove_set:
        raise StrataError("removes-base", "installing the lock would remove packages of the base layer: %s" % ", ".join(sorted(str(p) for p in base.transaction.remove_set)))
    extra = sorted(str(p) for p in base.transaction.install_set if nevra_spec(describe(p)) not in wanted)
    if extra:
        raise StrataError("outside-lock", "installing the lock would pull packages that are not locked: %s" % ", ".join(extra))
    to_fetch = list(base.transaction.install_set)
    progress, display = None, ()
    if request.get("verbose"):
        # dnf's own output, as its command line shows it: the transaction, downloads, rpm's steps.
        import dnf.cli.output
        import dnf.cli.progress
        print(dnf.cli.output.Output(base, base.conf).list_transaction(base.transaction))
        progress = dnf.cli.progress.MultiFileProgressMeter(fo=sys.stderr)
        display = [dnf.cli.output.CliTransactionDisplay()]
    base.download_packages(to_fetch, progress)
    by_nevra = {nevra_spec(p): p for p in locked}
    for pkg in to_fetch:
        expected = by_nevra[nevra_spec(describe(pkg))]["sha256"]
        actual = sha256_file(pkg.localPkg())
        if actual != expected:
            raise StrataError("checksum", "%s: downloaded file has sha256 %s, the lock says %s" % (pkg, actual, expected))
    verify_signatures(to_fetch, request["repositories"], request["stateDir"])
    pin_rpmdb_path()
    watch = ScriptletWatch()
    try:
        base.do_transaction(display=[*display, watch])
    except dnf.exceptions.Error as err:
        # A failing %pre stops that package's install: rpm's own error, with the scriptlet named.
        if watch.failures:
            raise StrataError("scriptlet", str(err), failures=watch.failures)
        raise
    allow = request.get("allowScriptletFailures", [])
    refused = [f for f in watch.failures if not allowed(f, allow)]
    if refused:
        raise StrataError("scriptlet", "; ".join(f["message"] for f in refused), failures=refused)
    return {"installed": sorted(nevra_spec(describe(p)) for p in to_fetch), "toleratedScriptletFailures": watch.failures}


def cmd_download(request):
    """Download the locked packages that the repositories' metadata still lists (dnf picks the
    mirror of a metalink or mirrorlist) into destDir; the caller checks each against the lock."""
    locked = request["packages"]
    fence_repositories(request)
    base = make_base(request)
    load_metadata(base, load_system_repo=False)
    found = []
    for p in locked:
        matches = base.sack.query().available().filterm(nevra_strict=nevra_spec(p)).run()
        if matches:
            found.append((p, matches[0]))
    if found:
        base.download_packages([pkg for _, pkg in found])
    downloaded = {}
    for p, pkg in found:
        target = os.path.join(request["destDir"], "%s.rpm" % p["nevra"])
        shutil.move(pkg.localPkg(), target)
        downloaded[p["nevra"]] = target
    return {"downloaded": downloaded}


def main():
    # dnf and rpm scriptlets print to stdout; keep it for the one JSON answer.
    answer_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    with answer_out:
        return run(json.load(sys.stdin), answer_out)


def run(request, answer_out):
    command = {"resolve": cmd_resolve, "install": cmd_install, "download": cmd_download}[request["command"]]
    try:
        answer = command(request)
    except StrataError as err:
        json.dump({"error": dict(kind=err.kind, message=str(err), **err.details)}, answer_out)
        return 2
    except dnf.exceptions.Error as err:
        json.dump({"error": {"kind": "dnf", "message": str(err)}}, answer_out)
        return 2
    json.dump(answer, answer_out, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
