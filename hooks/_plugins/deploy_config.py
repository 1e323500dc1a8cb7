"""deploy-config's checks: invalid or inconsistent deployment configuration.

The rules are in rules/generic/deploy-config.yaml.

Each function takes `(source, options)` and yields `Match`es for the file being checked. Cross-file
checks (ports, names, pipelines) read the repo-wide model of `hooks._deployment.model`, computed once per
run, and report a disagreement in each file it involves, at the line of that file's value, naming
the other file and line. Tables (App Runner runtimes, what base images ship) are data: in
rules/data/ or in the rule's `options:`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._checks.plugin import Fields, ListOf, Regex, repo_wide, takes_options
from .._deployment.commands import Ref, RunCommand, build_commands, command_words, run_commands
from .._deployment.commands import analyse as analyse_command
from .._deployment.files import (
    UNRESOLVED,
    DockerfileModel,
    Document,
    ImageRef,
    Stage,
    classify,
    config_display,
    copy_operands,
    crlf_line,
    dirname,
    dockerfile_model,
    document,
    get_path,
    join,
    kind_of,
    line_of,
    raw_scalar,
    shell_commands,
)
from .._deployment.model import (
    Claim,
    Missing,
    PortFact,
    Site,
    containers,
    deploy_paths,
    groups,
    health_command,
    ignored,
    image_of,
    is_ecr,
    main_container,
    missing,
    port_facts,
    tracked,
    workflow_model,
)
from .._read import glob_exists
from .._source import Match, RunContext, SourceFile
from .._yaml import LineDict, LineList, load_file

STRICT_KINDS = {
    "apprunner": "App Runner configuration",
    "taskdef": "task definition",
    "workflow": "workflow",
    "compose": "compose file",
    "config": "ava-safety configuration",
    "rules": "rule file",
}
VERSION_RX = re.compile(r"^\d+(?:\.\d+)*$")
INSTALLERS_RX = re.compile(r"\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper|tdnf)\b")


def _doc(source: SourceFile) -> Document | None:
    return document(source.context, source.path)


def _match(site: Site, **values: str) -> Match:
    return Match(site.line, site.col, values)


# --- DC001 strict parsing ------------------------------------------------------------------------


def check_strict_parse(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """Deployment files, .ava-safety.yaml and the repo's rule files: YAML/JSON errors, duplicate keys."""
    if kind_of(source.context, source.path) not in STRICT_KINDS:
        return  # other YAML and JSON are not this hook's to judge: not even read
    doc = _doc(source)
    if doc is None or doc.kind not in STRICT_KINDS or doc.error is None:
        return
    error = doc.error
    message = error.message.removeprefix("invalid JSON: ").removeprefix("invalid YAML: ")
    message, _, hint = message.partition("; ")
    col = error.col
    dup = re.search(r"duplicate key '(.*?)'", message)
    if dup:
        if col == 1:
            col = doc.col_of(error.line, f'"{dup.group(1)}"')
        hint = hint or "loaders silently keep only the last one"
    values = {"what": STRICT_KINDS[doc.kind], "error": message, "hint": f"; {hint}" if hint else ""}
    yield Match(error.line, col, values)


# --- DC002 CRLF in apprunner.yaml ----------------------------------------------------------------


def check_crlf(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    line = crlf_line(source.text)
    if line is not None:
        count = source.text.count("\r\n")
        yield Match(line, len(source.line_text(line)) + 1, {"count": str(count)})


# --- DC003/DC004 App Runner runtimes -------------------------------------------------------------


@lru_cache(maxsize=4)
def _runtime_table(path: str) -> dict[str, Any]:
    data = load_file(Path(path))
    runtimes = data.get("runtimes") if isinstance(data, dict) else None
    return dict(runtimes) if isinstance(runtimes, dict) else {}


def _table(options: Mapping[str, Any]) -> dict[str, Any]:
    from .._bundled import bundled_root

    return _runtime_table(str(bundled_root() / str(options.get("table", "data/apprunner-runtimes.yaml"))))


@takes_options(table=str)
def check_apprunner_runtime(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or not isinstance(doc.usable, LineDict):
        return
    table = _table(options)
    data = doc.usable
    if "runtime" not in data:
        known = _runtime_choices(table, "")
        yield Match(data.line, 1, {"problem": "no runtime: App Runner requires one", "known": known})
        return
    line = data.line_of("runtime")
    runtime = raw_scalar(doc, line, "runtime") or str(data["runtime"])
    entry = table.get(runtime)
    if not isinstance(entry, dict):
        problem = f"runtime {runtime} is not an App Runner managed runtime"
        values = {"problem": problem, "known": _runtime_choices(table, runtime)}
        yield Match(line, doc.col_of(line, runtime), values)
        return
    run = data.get("run")
    if not isinstance(run, LineDict) or "runtime-version" not in run:
        return
    vline = run.line_of("runtime-version")
    version = raw_scalar(doc, vline, "runtime-version") or str(run["runtime-version"])
    lines = [str(v) for v in entry.get("versions", [])]
    col = doc.col_of(vline, version)
    if not VERSION_RX.match(version):
        problem = f"runtime-version {version} is not a version number"
        yield Match(vline, col, {"problem": problem, "known": f"major[.minor[.patch]], e.g. {lines[0]}"})
    elif not any(version == v or version.startswith(v + ".") or v.startswith(version + ".") for v in lines):
        problem = f"runtime-version {version} is not a {runtime} version"
        yield Match(vline, col, {"problem": problem, "known": ", ".join(lines)})


def _runtime_choices(table: Mapping[str, Any], runtime: str) -> str:
    """The runtimes of the same language when there are some, else all of them (kept short)."""
    language = re.match(r"[a-z]*", runtime)
    same = [name for name in table if language and language.group(0) and name.startswith(language.group(0))]
    names = same or list(table)
    text = ", ".join(names)
    return text if len(text) <= 70 else ", ".join(names[:6]) + ", …"


@takes_options(table=str)
def check_apprunner_runtime_support(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or not isinstance(doc.usable, LineDict) or "runtime" not in doc.usable:
        return
    line = doc.usable.line_of("runtime")
    runtime = raw_scalar(doc, line, "runtime")
    entry = _table(options).get(runtime)
    if not isinstance(entry, dict) or not entry.get("end_of_support"):
        return
    ended = date.fromisoformat(str(entry["end_of_support"]))
    if ended > date.today():
        return
    hint = f"; move to {entry['replacement']}" if entry.get("replacement") else ""
    values = {
        "runtime": runtime,
        "language": str(entry.get("language", runtime)),
        "date": ended.isoformat(),
        "hint": hint,
    }
    yield Match(line, doc.col_of(line, runtime), values)


# --- DC005 files the deployment names are tracked ------------------------------------------------


def check_files_tracked(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or doc.error is not None:
        return
    context = source.context
    found: list[tuple[Site, Missing]] = []
    if doc.kind == "dockerfile":
        found = _dockerfile_missing(context, doc)
    elif doc.kind == "apprunner" and isinstance(doc.usable, LineDict):
        found = _apprunner_missing(context, doc)
    elif doc.kind == "procfile":
        for run in run_commands(context, doc.path):
            found += _command_missing(context, doc, run.line, run.value, list(run.bases), "", run)
    elif doc.kind == "workflow":
        wf = workflow_model(context, doc.path)
        generated = "\n".join(str(s.data.get("run", "")) for s in wf.steps) if wf else ""
        for ref, site in wf.files if wf else []:
            # `--cli-input-json file://x.json` names x.json; that word does not generate it
            made = generated.replace(ref.word, "") if ref.word.startswith("file://") else generated
            gone = missing(context, ref, [""], generated=made)
            if gone is not None:
                found.append((site, gone))
    for site, gone in found:
        yield _match(site, what=gone.ref.what, ref=gone.ref.value, state=gone.state)


def _dockerfile_missing(context: RunContext, doc: Document) -> list[tuple[Site, Missing]]:
    model = dockerfile_model(context, doc.path)
    if model is None:
        return []
    generated = "\n".join(
        i.args for s in model.stages for i in s.instructions if i.keyword == "RUN" or "--from" in i.args
    )
    out: list[tuple[Site, Missing]] = []
    context_dirs = [dirname(doc.path), ""]
    for stage in model.stages:
        for instr in stage.instructions:
            if instr.keyword not in ("COPY", "ADD"):
                continue
            sources, _dest = copy_operands(instr)
            for src in sources:
                site = Site(doc.path, instr.line, doc.col_of(instr.line, src))
                gone = _copy_source_missing(context, src, context_dirs, instr.keyword)
                if gone is not None:
                    out.append((site, gone))
    for command in run_commands(context, doc.path):
        out += _command_missing(context, doc, command.line, command.value, model.bases, generated, command)
    return out


def _copy_source_missing(context: RunContext, src: str, bases: list[str], keyword: str) -> Missing | None:
    what = f"{keyword} source"
    if src in (".", "./") or "$" in src:
        return None
    if not any(c in src for c in "*?["):
        return missing(context, Ref("file", src.rstrip("/") or src, src, what=what), bases)
    if ignored(context, [join(base, src) for base in bases]):
        return None  # build output on purpose: something builds it before the image
    index = tracked(context)
    for base in bases:
        pattern = join(base, src)
        if any(fnmatch.fnmatchcase(p, pattern) for p in index.files):
            return None
    for base in bases:
        if glob_exists(context.root / base, src):  # no OSError for a name too long
            return Missing(
                Ref("file", src, src, what=what), "the files it matches exist only in this working tree"
            )
    return Missing(Ref("file", src, src, what=what), "it matches no file in the repository")


def _command_missing(
    context: RunContext,
    doc: Document,
    line: int,
    command: Any,
    bases: list[str],
    generated: str,
    run: RunCommand | None = None,
) -> list[tuple[Site, Missing]]:
    out = []
    workdir = run.workdir if run is not None else ""
    for offset, words in command_words(command):
        for ref in analyse_command(words).refs:
            if ref.value.startswith("/") and workdir and ref.value.startswith(workdir.rstrip("/") + "/"):
                ref = Ref(ref.kind, ref.value[len(workdir.rstrip("/")) + 1 :], ref.word, ref.base, ref.what)
            gone = missing(context, ref, bases, generated=generated)
            if gone is not None:
                at = run.line_of(line + offset, ref.word) if run is not None else line + offset
                out.append((Site(doc.path, at, doc.col_of(at, ref.word)), gone))
    return out


def _apprunner_missing(context: RunContext, doc: Document) -> list[tuple[Site, Missing]]:
    base = [dirname(doc.path)]
    commands: list[tuple[int, Any, RunCommand | None]] = [
        (line, command, None) for line, command in build_commands(context, doc.path)
    ]
    commands += [(run.line, run.value, run) for run in run_commands(context, doc.path)]
    out = []
    for index, (line, command, run) in enumerate(commands):
        generated = "\n".join(str(c) for i, (_, c, _) in enumerate(commands) if i != index)
        out += _command_missing(context, doc, line, command, base, generated, run)
    return out


# --- DC006/DC007/DC008 images --------------------------------------------------------------------


def _unpinned(image: ImageRef) -> str | None:
    if image.digest is not None:
        return None
    if image.tag is None:
        return "untagged, so :latest"
    if image.tag == "latest":
        return ":latest"
    return None


def _rendered(context: RunContext, taskdef: str, container: str, image: str) -> bool:
    """A workflow puts the built image into this container before deploying (its image is a placeholder):
    a render step for it, or a run step that mentions the image text (sed, jq)."""
    for path in deploy_paths(context):
        if classify(path) != "workflow":
            continue
        wf = workflow_model(context, path)
        for target in wf.targets if wf else []:
            if target.taskdef == taskdef and any(c.value == container for c in target.containers):
                return True
        if wf and any(image in str(step.data.get("run", "")) for step in wf.steps):
            return True
    return False


def _taskdef_images(doc: Document) -> Iterator[tuple[LineDict, ImageRef, Site]]:
    for container in containers(doc.usable):
        text = container.get("image")
        if not isinstance(text, str) or "$" in text:
            continue
        image = image_of(text)
        if image is not None:
            line = container.line_of("image")
            yield container, image, Site(doc.path, line, doc.col_of(line, text))


@takes_options(releasing_registries=list[str])
def check_deploy_images_pinned(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or doc.error is not None:
        return
    context = source.context
    if doc.kind == "taskdef":
        for container, image, site in _taskdef_images(doc):
            problem = _unpinned(image)
            if image.repository != image.repository.lower():
                continue  # not a valid image name: a placeholder something replaces (IMAGE_URI)
            if problem and not _rendered(context, doc.path, str(container.get("name", "")), image.text):
                yield _match(site, image=image.text, problem=problem, where="task definition")
    elif doc.kind == "workflow":
        wf = workflow_model(context, doc.path)
        if wf is None or not wf.deploys:
            return
        releasing = frozenset(str(r) for r in options.get("releasing_registries", ()))
        for pushed in wf.images:
            image = pushed.image
            if UNRESOLVED in image.repository or image.registry in releasing:
                continue  # a registry whose platform releases by image id (Heroku): its :latest is the push
            problem = _unpinned(image)
            if problem is None:
                continue
            also_pinned = any(
                other.image.repository == image.repository and _unpinned(other.image) is None
                for other in wf.images
            )
            if pushed.deployed or not also_pinned:
                yield _match(pushed.site, image=_shown(image), problem=problem, where=pushed.how)


def _shown(image: ImageRef) -> str:
    return image.text.replace(UNRESOLVED, "${{…}}")


def check_base_image_pinned(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    model = dockerfile_model(source.context, source.path) if doc is not None else None
    if doc is None or model is None:
        return
    stage_names = {s.name for s in model.stages if s.name}
    for stage in model.stages:
        if stage.base is None or stage.base in stage_names or stage.base == "scratch":
            continue
        image = image_of(stage.base)
        problem = _unpinned(image) if image is not None else None
        if problem:
            site = Site(doc.path, stage.line, doc.col_of(stage.line, stage.base_text))
            yield _match(site, image=stage.base, problem=problem)


# --- DC015 exec form that is not JSON ------------------------------------------------------------

EXEC_KEYWORDS = frozenset({"CMD", "ENTRYPOINT", "RUN", "SHELL"})
_EXEC_LIKE_RX = re.compile(r"\[\s*[\"'\u201c\u2018]")  # `["…`, `['…`: meant as exec form (not `[ -f x ]`)


def check_exec_form_json(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    """CMD/ENTRYPOINT/RUN written as `["…", …]` that is not a JSON array of strings: Docker then runs
    the whole line as a shell command (`["python", …]# Force rebuild` exits at once)."""
    import json

    doc = _doc(source)
    if doc is None or not isinstance(doc.data, list):
        return
    for instr in doc.data:
        if instr.keyword not in EXEC_KEYWORDS or instr.exec_form is not None:
            continue
        if not _EXEC_LIKE_RX.match(instr.args):
            continue
        try:
            value = json.loads(instr.args)
            error = "not an array of strings" if isinstance(value, list) else "not an array"
        except json.JSONDecodeError as exc:
            error = exc.msg[:1].lower() + exc.msg[1:]
            if exc.msg == "Extra data":
                error = f"text after the closing ] ({instr.args[exc.pos :].strip()[:40]})"
        except (ValueError, RecursionError):
            error = "not JSON"
        col = doc.col_of(instr.line, instr.args[:1])
        yield Match(instr.line, col, {"keyword": instr.keyword, "error": error})


def _allowed(image: ImageRef, allowed: tuple[str, ...]) -> bool:
    for entry in allowed:
        entry = entry.rstrip("/")
        if fnmatch.fnmatchcase(image.registry, entry) or fnmatch.fnmatchcase(image.name, entry):
            return True
        if image.name.startswith(entry + "/") or fnmatch.fnmatchcase(image.name, entry + "/*"):
            return True
    return False


def check_image_registry(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    context = source.context
    allowed = context.config.image_registries
    doc = _doc(source)
    if not allowed or doc is None or doc.error is not None:
        return
    found: list[tuple[ImageRef, Site]] = []
    if doc.kind == "dockerfile":
        model = dockerfile_model(context, doc.path)
        names = {s.name for s in model.stages if s.name} if model else set()
        for stage in model.stages if model else []:
            image = image_of(stage.base) if stage.base and stage.base not in names | {"scratch"} else None
            if image is not None:
                found.append((image, Site(doc.path, stage.line, doc.col_of(stage.line, stage.base_text))))
    elif doc.kind == "taskdef":
        found = [(image, site) for _c, image, site in _taskdef_images(doc)]
    elif doc.kind == "workflow":
        wf = workflow_model(context, doc.path)
        found = [(p.image, p.site) for p in wf.images] if wf else []
    elif doc.kind == "compose" and isinstance(doc.usable, dict):
        services = doc.usable.get("services")
        for svc in services.values() if isinstance(services, dict) else []:
            text = svc.get("image") if isinstance(svc, LineDict) else None
            image = image_of(text) if isinstance(text, str) and "$" not in text else None
            if image is not None and isinstance(svc, LineDict):
                line = svc.line_of("image")
                found.append((image, Site(doc.path, line, doc.col_of(line, str(text)))))
    for image, site in found:
        if UNRESOLVED in image.registry or _allowed(image, allowed):
            continue
        yield _match(site, image=_shown(image), registry=image.registry, allowed=", ".join(allowed))


# --- DC009 ports agree ---------------------------------------------------------------------------


@repo_wide
def check_ports_agree(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    checked = frozenset(paths)
    for facts in port_facts(context).values():
        majority = _majority_port(facts)
        if majority is None:  # a tie: every side
            pairs = [(f, [o for o in facts if o.site != f.site and not (o.ports & f.ports)]) for f in facts]
        else:  # the odd ones out, then each other file once (the one just added may be the odd one out)
            agree = [f for f in facts if majority in f.ports]
            pairs = [(f, agree) for f in facts if majority not in f.ports]
            told = {f.site.path for f, _ in pairs}
            odd = [f for f, _ in pairs]
            for fact in agree:
                if fact.site.path not in told:
                    told.add(fact.site.path)
                    pairs.append((fact, [o for o in odd if not (o.ports & fact.ports)]))
        for fact, others in pairs:
            if others and fact.site.path in checked:
                other = min(others, key=lambda f: (f.rank, f.site.path, f.site.line))
                yield fact.site.path, _match(fact.site, **_port_values(fact, other))


def _majority_port(facts: list[PortFact]) -> int | None:
    """The port most of a service's files state, when one does; the files that disagree with it
    are the ones to fix. None on a tie: then every side of a disagreement is reported."""
    votes: dict[int, int] = {}
    for fact in facts:
        for port in fact.ports:
            votes[port] = votes.get(port, 0) + 1
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if not ranked or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def _port_values(fact: PortFact, other: PortFact) -> dict[str, str]:
    return {
        "port": fact.shown(),
        "label": fact.label,
        "other": other.shown(),
        "where": other.site.where(),
        "other_label": other.label,
    }


# --- DC010 health check tools --------------------------------------------------------------------


def _tools_used(command: str, tools: list[str]) -> list[str]:
    return [t for t in tools if re.search(rf"(?:^|[\s;&|(\"'])(?:/usr/bin/)?{re.escape(t)}(?=\s|$)", command)]


def _image_tools(image_text: str, table: list[Any]) -> set[str] | None:
    for entry in table:
        if isinstance(entry, Mapping) and re.search(str(entry.get("match", "(?!)")), image_text):
            return {str(t) for t in entry.get("has", [])}
    return None


def _stage_tools(
    model: DockerfileModel, stage: Stage | None, table: list[Any]
) -> tuple[str, set[str]] | None:
    """The base image of a stage's chain, and the tools the final image has (None: unknown)."""
    chain = model.chain(stage)
    if not chain or chain[-1].base is None:
        return None
    base = chain[-1].base
    has = _image_tools(base, table)
    if has is None:
        return None
    for s in chain:
        for instr in s.instructions:
            if instr.keyword == "RUN" and INSTALLERS_RX.search(instr.args):
                has |= {w for w in re.findall(r"[\w.+-]+", instr.args)}
            elif instr.keyword in ("COPY", "ADD") and "--from" in instr.args:
                has |= {w.rsplit("/", 1)[-1] for w in instr.args.split()}
    return base, has


check_ports_agree.admits = lambda source: not source.is_python or "uvicorn" in source.text  # type: ignore[attr-defined]


@takes_options(tools=list[str], images=ListOf(Fields(match=Regex, has=list[str])))
def check_healthcheck_tool(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or doc.error is not None:
        return
    context = source.context
    tools = [str(t) for t in options.get("tools", ["curl", "wget"])]
    table = list(options.get("images", []))
    checks: list[tuple[str, Site, tuple[str, set[str]] | None]] = []
    if doc.kind == "dockerfile":
        model = dockerfile_model(context, doc.path)
        instr = model.last("HEALTHCHECK") if model else None
        if model is not None and instr is not None and not instr.args.upper().startswith("NONE"):
            site = Site(doc.path, instr.line, 1)
            checks.append((instr.args, site, _stage_tools(model, model.final, table)))
    elif doc.kind == "taskdef":
        svc = _service_for(context, doc.path)
        container = main_container(doc.usable, svc.container if svc else None)
        health = health_command(container) if container is not None else None
        if container is not None and health is not None:
            site = Site(doc.path, health[1], doc.col_of(health[1], "command"))
            checks.append((health[0], site, _container_tools(context, doc.path, container, table)))
    elif doc.kind == "compose" and isinstance(doc.usable, dict):
        services = doc.usable.get("services")
        for svc_data in services.values() if isinstance(services, dict) else []:
            if isinstance(svc_data, LineDict):
                check = _compose_health(context, doc, svc_data, table)
                if check is not None:
                    checks.append(check)
    for command, site, image in checks:
        if image is None:
            continue
        base, has = image
        for tool in _tools_used(command, tools):
            if tool not in has:
                line = next(
                    (n for n in range(site.line, site.line + 6) if tool in doc.line_text(n)), site.line
                )
                yield Match(line, doc.col_of(line, tool), {"tool": tool, "image": base})
                break


def _container_tools(
    context: RunContext, path: str, container: LineDict, table: list[Any]
) -> tuple[str, set[str]] | None:
    text = container.get("image")
    image = image_of(text) if isinstance(text, str) and "$" not in text else None
    if image is not None and not is_ecr(image) and UNRESOLVED not in image.registry:
        has = _image_tools(image.text, table)
        return (image.text, has) if has is not None else None
    # built from this repository: the Dockerfile of its service, when there is exactly one
    dockerfiles = [p for p in _group_files(context, path) if classify(p) == "dockerfile"]
    if len(dockerfiles) != 1:
        return None
    model = dockerfile_model(context, dockerfiles[0])
    return _stage_tools(model, model.final, table) if model else None


def _compose_health(
    context: RunContext, doc: Document, svc: LineDict, table: list[Any]
) -> tuple[str, Site, tuple[str, set[str]] | None] | None:
    health = svc.get("healthcheck")
    test = health.get("test") if isinstance(health, LineDict) else None
    if isinstance(test, list):
        command = " ".join(str(t) for t in test if t not in ("CMD", "CMD-SHELL"))
    elif isinstance(test, str):
        command = test
    else:
        return None
    assert isinstance(health, LineDict)
    line = health.line_of("test")
    site = Site(doc.path, line, 1)
    build = svc.get("build")
    if build is not None:
        context_dir = (
            build if isinstance(build, str) else build.get("context", ".") if isinstance(build, dict) else "."
        )
        name = build.get("dockerfile", "Dockerfile") if isinstance(build, dict) else "Dockerfile"
        path = join(join(dirname(doc.path), str(context_dir)), str(name))
        model = dockerfile_model(context, path) if path in tracked(context).files else None
        return command, site, _stage_tools(model, model.final, table) if model else None
    text = svc.get("image")
    image = image_of(text) if isinstance(text, str) else None
    has = _image_tools(image.text, table) if image is not None else None
    return command, site, (image.text, has) if image is not None and has is not None else None


# --- DC011 names agree ---------------------------------------------------------------------------

CONFIG_KEYS = {"service": "name", "cluster": "cluster", "container": "container",
               "repository": "repository", "family": "task_family"}  # fmt: skip


def _group_files(context: RunContext, path: str) -> list[str]:
    grouped = groups(context)
    return [p for key in grouped.of.get(path, []) for p in grouped.members.get(key, [])]


def _service_for(context: RunContext, path: str) -> Any:
    """The configured service a deployment file belongs to (by `files`, or the only service)."""
    services = _services_of(context, path)
    return services[0] if len(services) == 1 else None


def _services_of(context: RunContext, path: str) -> list[Any]:
    grouped = groups(context)
    return [grouped.service[k] for k in grouped.of.get(path, []) if k in grouped.service]


def _config_sites(context: RunContext) -> dict[str, dict[str, Site]]:
    """For each configured service, where each of its keys is written in .ava-safety.yaml."""
    shown = config_display(context)
    config = context.config
    doc = document(context, shown) if config.path is not None else None
    out: dict[str, dict[str, Site]] = {}
    services = doc.usable.get("services") if doc is not None and isinstance(doc.usable, LineDict) else None
    for item in services if isinstance(services, LineList) else []:
        if isinstance(item, LineDict) and isinstance(item.get("name"), str):
            sites = {}
            for key in item:
                line = item.line_of(key)
                sites[key] = Site(shown, line, doc.col_of(line, str(item[key])) if doc else 1)
            out[item["name"]] = sites
    return out


@repo_wide
def check_names_agree(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    for site, values in _name_disagreements(context):
        yield site.path, _match(site, **values)


def _name_disagreements(context: RunContext) -> list[tuple[Site, dict[str, str]]]:
    out: list[tuple[Site, dict[str, str]]] = []
    config = context.config
    by_name = {s.name: s for s in config.services}
    sites = _config_sites(context)

    def pair(claim: Claim, other_site: Site, other_value: str, other_label: str, note: str = "") -> None:
        out.append(
            (claim.site, _name_values(claim.kind, claim.value, other_value, other_site, other_label, note))
        )
        out.append(
            (other_site, _name_values(claim.kind, other_value, claim.value, claim.site, claim.label, note))
        )

    def against_config(claim: Claim | None, svc: Any, note: str = "") -> None:
        key = CONFIG_KEYS[claim.kind] if claim is not None else ""
        value = getattr(svc, key, None) if claim is not None else None
        site = sites.get(svc.name, {}).get(key)
        if claim is not None and value is not None and site is not None and claim.value != value:
            pair(claim, site, value, f"{key} of service {svc.name} in {config_display(context)}", note)

    for path in deploy_paths(context):
        kind = classify(path)
        if kind in ("workflow", "buildspec"):
            wf = workflow_model(context, path)
            for target in wf.targets if wf else []:
                _target_names(context, path, target, by_name, sites, against_config, out)
                _render_names(context, target, pair)
        elif kind == "taskdef":
            _taskdef_names(context, path, against_config, pair, sites)
    return out


def _target_names(
    context: RunContext,
    path: str,
    target: Any,
    by_name: dict[str, Any],
    sites: dict[str, dict[str, Site]],
    against_config: Any,
    out: list[tuple[Site, dict[str, str]]],
) -> None:
    services = _services_of(context, path)
    claim = target.service
    if not services and claim is not None and claim.value in by_name:
        services = [by_name[claim.value]]
    if not services and len(by_name) == 1:
        services = list(by_name.values())
    if claim is not None and by_name and not services:
        shown = config_display(context)
        line = min((s["name"].line for s in sites.values() if "name" in s), default=1)
        where = Site(shown, line, 1)
        label = f"the services declared in {shown}; none has this name"
        out.append((claim.site, _name_values("service", claim.value, ", ".join(by_name), where, label, "")))
    for svc in services:
        note = ""
        if claim is not None and claim.value != svc.name and claim.value in by_name:
            other = sites.get(claim.value, {}).get("name")
            at = f" ({other.where()})" if other else ""
            note = f"; it names another service{at}: the wrong service is deployed"
        against_config(claim, svc, note)
        against_config(target.cluster, svc)
        for container in target.containers:
            against_config(container, svc)
        for repository in target.repositories:
            against_config(repository, svc)


def _render_names(context: RunContext, target: Any, pair: Any) -> None:
    if target.taskdef is None or not target.containers:
        return
    doc = document(context, target.taskdef)
    if doc is None or doc.error is not None or not isinstance(doc.usable, LineDict):
        return
    defs = containers(doc.usable)
    names = [str(c.get("name")) for c in defs]
    if not defs:
        return
    line = doc.usable.line_of("containerDefinitions")
    site = Site(doc.path, line, doc.col_of(line, "containerDefinitions"))
    for claim in target.containers:
        if claim.value not in names:
            pair(claim, site, ", ".join(names), "the containers of the task definition", "")


def _taskdef_names(context: RunContext, path: str, against_config: Any, pair: Any, sites: Any) -> None:
    doc = document(context, path)
    if doc is None or not isinstance(doc.usable, LineDict) or not containers(doc.usable):
        return
    data = doc.usable
    for svc in _services_of(context, path):
        if isinstance(data.get("family"), str):
            line = data.line_of("family")
            family = Claim(
                "family", data["family"], Site(path, line, doc.col_of(line, data["family"])), "family"
            )
            against_config(family, svc)
        names = [str(c.get("name")) for c in containers(data)]
        config_site = sites.get(svc.name, {}).get("container")
        if svc.container and svc.container not in names and config_site is not None:
            line = data.line_of("containerDefinitions")
            site = Site(path, line, doc.col_of(line, "containerDefinitions"))
            claim = Claim("container", ", ".join(names), site, "the containers of the task definition")
            pair(claim, config_site, svc.container, f"container of service {svc.name}")
        main = main_container(data, svc.container)
        image = image_of(str(main.get("image"))) if main is not None else None
        if main is not None and image is not None and is_ecr(image):
            line = main.line_of("image")
            site = Site(path, line, doc.col_of(line, image.repository))
            against_config(Claim("repository", image.repository, site, "image repository"), svc)


def _name_values(kind: str, value: str, other: str, where: Site, label: str, note: str) -> dict[str, str]:
    return {
        "kind": kind,
        "value": value,
        "other": other,
        "where": where.where(),
        "label": label,
        "note": note,
    }


# --- DC012 one pipeline per service --------------------------------------------------------------


@repo_wide
def check_one_pipeline(
    context: RunContext, paths: Sequence[str], options: Mapping[str, Any]
) -> Iterator[tuple[str, Match]]:
    for target, others in _pipelines(context):
        path = target.site.path
        other = others[0]
        where = other.site.where() if other.site.path != path else f"line {other.site.line}"
        values = {"platform": target.platform, "service": target.service.value, "where": where}
        yield path, _match(target.site, **values)


def _pipelines(context: RunContext) -> list[tuple[Any, list[Any]]]:
    by_key: dict[tuple[str, str, str], list[Any]] = {}
    for path in deploy_paths(context):
        if classify(path) != "workflow":
            continue
        wf = workflow_model(context, path)
        for target in wf.targets if wf else []:
            if (
                target.platform in ("ecs", "apprunner")
                and target.service
                and target.enabled
                and target.automatic
            ):
                cluster = target.cluster.value if target.cluster else ""
                by_key.setdefault((target.platform, cluster, target.service.value), []).append(target)
    out = []
    for targets in by_key.values():
        for target in targets:
            others = [t for t in targets if (t.site.path, t.job) != (target.site.path, target.job)]
            if others:
                out.append((target, others))
    return out


# --- DC013/DC014 ECS ------------------------------------------------------------------------------


def check_secrets_execution_role(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or not isinstance(doc.usable, LineDict) or doc.usable.get("executionRoleArn"):
        return
    for container in containers(doc.usable):
        key = "secrets" if container.get("secrets") else None
        log = container.get("logConfiguration")
        if key is None and isinstance(log, LineDict) and log.get("secretOptions"):
            container, key = log, "secretOptions"
        if key is not None:
            line = container.line_of(key)
            name = str(container.get("name", "")) or "the log configuration"
            yield Match(line, doc.col_of(line, key), {"container": name, "key": key})
            return


def check_circuit_breaker(source: SourceFile, options: Mapping[str, Any]) -> Iterator[Match]:
    doc = _doc(source)
    if doc is None or doc.error is not None:
        return
    if doc.kind == "taskdef" and isinstance(doc.usable, LineDict) and "serviceName" in doc.usable:
        data = doc.usable
        controller = get_path(data, "deploymentController", "type")
        if controller not in (None, "ECS"):
            return
        breaker = get_path(data, "deploymentConfiguration", "deploymentCircuitBreaker")
        if isinstance(breaker, dict) and breaker.get("enable") is True and breaker.get("rollback") is True:
            return
        if isinstance(breaker, LineDict):
            line = breaker.line
        elif isinstance(data.get("deploymentConfiguration"), LineDict):
            line = data.line_of("deploymentConfiguration")
        else:
            line = data.line_of("serviceName")
        what = f"ECS service {data['serviceName']}"
        yield Match(line, doc.col_of(line, ""), {"what": what})
    elif doc.kind == "workflow":
        wf = workflow_model(source.context, doc.path)
        for step in wf.steps if wf else []:
            run = step.data.get("run")
            if not isinstance(run, str) or "create-service" not in run:
                continue
            yield from _cli_breaker(doc, step)


def _cli_breaker(doc: Document, step: Any) -> Iterator[Match]:
    run = str(step.data.get("run"))
    key_line = line_of(step.data, "run")
    first = (
        key_line + 1
        if doc.line_text(key_line).split("run:", 1)[-1].strip()[:1] in ("|", ">", "")
        else key_line
    )
    for offset, words in shell_commands(run):
        if words[:3] != ["aws", "ecs", "create-service"] or any(w.startswith("--cli-input") for w in words):
            continue
        text = " ".join(words).replace(" ", "").lower()
        flat = text.replace("-", "")
        if "deploymentcontroller" in flat and "type=ecs" not in text and '"type":"ecs"' not in text:
            continue
        enabled = re.search(r"deploymentcircuitbreaker=\{enable=true,rollback=true\}", text) or re.search(
            r'"deploymentcircuitbreaker":\{"enable":true,"rollback":true\}', text
        )
        if not enabled:
            line = first + offset
            yield Match(line, doc.col_of(line, "aws"), {"what": "aws ecs create-service"})
