"""A repository's deployment as one model, built once per run for deploy-config's cross-file checks.

Which deployment files there are and which service each belongs to, the ports and names each file
states, the files and modules each command names. Everything is read from the working tree at
`context.root` (what pre-commit leaves there is what is being committed) through the one reader of
each format (`hooks._deployment.files.document`) and the one command analyser
(`hooks._deployment.commands`); every fact is computed once per run through `context.fact`.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from .._config import ServiceConfig
from .._glob import PathMatcher
from .._source import PARSE_ERRORS, RunContext
from .._yaml import LineDict, LineList
from .commands import Ref, RunCommand, candidates, module_files, run_commands
from .commands import analyse as analyse_command
from .files import (
    UNRESOLVED,
    Document,
    ImageRef,
    Instruction,
    WorkflowStep,
    buildspec_steps,
    classify,
    dirname,
    dockerfile_env,
    dockerfile_model,
    document,
    expand,
    get_path,
    join,
    kinds,
    line_of,
    parse_image,
    shell_commands,
    workflow_steps,
    workflow_triggers,
)

DEPLOY_KINDS = frozenset(
    {"apprunner", "dockerfile", "taskdef", "compose", "workflow", "procfile", "buildspec"}
)
ECS_DEPLOY_COMMANDS = ("update-service", "create-service", "deploy")  # deploy: CodeDeploy blue/green
APPRUNNER_DEFAULT_PORT = 8080  # App Runner's port when apprunner.yaml gives no network.port
LOCAL_URL_RX = re.compile(r"\b(https?)://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?")
ECR_RX = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?$")
ECS_DEPLOY_ACTIONS = frozenset({"aws-actions/amazon-ecs-deploy-task-definition"})
ECS_RENDER_ACTIONS = frozenset({"aws-actions/amazon-ecs-render-task-definition"})
APPRUNNER_ACTIONS = frozenset({"awslabs/amazon-app-runner-deploy"})
AUTOMATIC_TRIGGERS_EXCLUDED = frozenset({"workflow_dispatch", "workflow_call", "repository_dispatch"})


# --- the repository ------------------------------------------------------------------------------


@dataclass
class Tracked:
    """The tracked paths, indexed for the questions deploy-config asks of them."""

    files: frozenset[str]
    dirs: frozenset[str]
    by_name: dict[str, list[str]]

    def has(self, rel: str) -> bool:
        """A tracked file at `rel`, or a tracked directory (one with tracked files) there."""
        rel = rel.strip("/")
        return rel in self.files or rel in self.dirs or rel in ("", ".")

    def has_suffix(self, rel: str) -> bool:
        """A tracked file whose path ends with `rel` (a module found under src/ or a copied dir)."""
        rel = rel.strip("/")
        name = rel.rsplit("/", 1)[-1]
        return any(p == rel or p.endswith("/" + rel) for p in self.by_name.get(name, ()))


def tracked(context: RunContext) -> Tracked:
    return context.fact(_tracked)


def _tracked(context: RunContext) -> Tracked:
    files = frozenset(context.repo_files)
    dirs: set[str] = set()
    by_name: dict[str, list[str]] = {}
    for path in files:
        parts = path.split("/")
        for i in range(1, len(parts)):
            dirs.add("/".join(parts[:i]))
        by_name.setdefault(parts[-1], []).append(path)
    return Tracked(files, frozenset(dirs), by_name)


def deploy_paths(context: RunContext) -> list[str]:
    """Tracked deployment files."""
    return context.fact(_deploy_paths)


def _deploy_paths(context: RunContext) -> list[str]:
    return sorted(p for p, kind in kinds(context).items() if kind in DEPLOY_KINDS)


# --- images --------------------------------------------------------------------------------------


def image_of(text: str) -> ImageRef | None:
    """An image reference; a name that starts with a run-time value has an unknown (UNRESOLVED) registry."""
    if not text or text.startswith(("<", "{{")):
        return None
    image = parse_image(text)
    if image is not None and UNRESOLVED in text.split("/", 1)[0]:
        return replace(image, registry=UNRESOLVED)
    return image


def is_ecr(image: ImageRef) -> bool:
    return bool(ECR_RX.match(image.registry))


# --- workflows -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where a value is written: the finding goes here."""

    path: str
    line: int
    col: int

    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Claim:
    kind: str  # service, cluster, container, repository, family
    value: str
    site: Site
    label: str


@dataclass
class DeployTarget:
    """One workflow step that deploys: the service it names and what it deploys with it."""

    platform: str  # "ecs" | "apprunner"
    site: Site  # the step
    service: Claim | None
    cluster: Claim | None
    taskdef: str | None  # the task definition file the job renders or deploys
    taskdef_site: Site | None
    containers: list[Claim]  # container-name of render steps for that task definition
    repositories: list[Claim]  # ECR repositories the job pushes
    job: str
    automatic: bool  # the workflow runs without a person starting it
    enabled: bool


@dataclass
class PushedImage:
    image: ImageRef
    site: Site
    how: str  # "docker push", "render image", ...
    deployed: bool  # the reference a deployment uses directly (not only a pushed tag)


@dataclass
class WorkflowModel:
    path: str
    steps: list[WorkflowStep]
    automatic: bool
    targets: list[DeployTarget]
    images: list[PushedImage]
    ports: list[tuple[int, Site, str]]
    files: list[tuple[Ref, Site]]  # files the workflow names (task definitions, Dockerfiles)

    @property
    def deploys(self) -> bool:
        return bool(self.targets) or bool(self.images)


def _workflow_models(context: RunContext) -> dict[str, WorkflowModel | None]:
    return {}


def workflow_model(context: RunContext, path: str) -> WorkflowModel | None:
    """The workflow at `path` as what it deploys, read once per run."""
    store = context.fact(_workflow_models)
    if path not in store:
        doc = document(context, path)
        usable = doc is not None and isinstance(doc.usable, dict)
        if doc is None or not usable:
            store[path] = None
        elif doc.kind == "buildspec":
            store[path] = _buildspec_model(doc, _script_reader(context))
        else:
            store[path] = _workflow_model(doc, _script_reader(context))
    return store[path]


def _value_site(doc: Document, data: Any, step: WorkflowStep, key: str) -> tuple[str, Site] | None:
    """The value of `with: key` (or any mapping key) resolved through env, and the line it is written on."""
    raw = data.get(key) if isinstance(data, dict) else None
    if raw is None or isinstance(raw, (dict, list)):
        return None
    raw = str(raw)
    value = expand(raw, step.env)
    line = line_of(data, key)
    m = re.fullmatch(r"\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}", raw.strip())
    if m:
        found = _env_line(doc, step, m.group(1))
        if found is not None:
            line = found
    return value, Site(doc.path, line, doc.col_of(line, value if UNRESOLVED not in value else raw))


def _env_line(doc: Document, step: WorkflowStep, name: str) -> int | None:
    """The line where `name` is set for this step: step env, then job env, then workflow env."""
    job = get_path(doc.usable, "jobs", step.job)
    for node in (step.data, job, doc.usable):
        env = node.get("env") if isinstance(node, dict) else None
        if isinstance(env, LineDict) and name in env:
            return env.line_of(name)
    return None


def _run_lines(doc: Document, step: WorkflowStep) -> list[tuple[int, list[str]]]:
    """The simple commands of a `run:` step with the file line of each."""
    run = step.data.get("run") if isinstance(step.data, dict) else None
    if not isinstance(run, str):
        return []
    key_line = line_of(step.data, "run")
    after = doc.line_text(key_line).split("run:", 1)[-1].strip()
    first = key_line + 1 if after[:1] in ("|", ">", "") else key_line
    return [(first + offset, words) for offset, words in shell_commands(run)]


ScriptReader = Callable[[str], "Document | None"]
SHELLS = frozenset({"bash", "sh", "zsh", "dash"})


def _script_reader(context: RunContext) -> ScriptReader:
    """The tracked shell script a run step names (`./deploy.sh`, `bash scripts/deploy.sh`), as a
    Document whose lines findings can point at; None for anything else."""

    def read(word: str) -> Document | None:
        path = word.removeprefix("./")
        if not path.endswith(".sh") or path not in context.repo_files:
            return None
        return document(context, path)

    return read


def _script_of(words: list[str], read: ScriptReader) -> Document | None:
    first = 1 if words[:1] and words[0] in SHELLS and len(words) > 1 else 0
    return read(words[first]) if words else None


def _buildspec_model(doc: Document, read_script: ScriptReader) -> WorkflowModel:
    """A CodeBuild buildspec.yml read like a workflow: its phases' commands (and the scripts they
    run) push images and deploy services. CodeBuild runs it for a pipeline: automatic."""
    model = WorkflowModel(doc.path, [], True, [], [], [], [])
    pushes: dict[str, list[Claim]] = {}
    for step, commands in buildspec_steps(doc.usable):
        model.steps.append(step)
        for line, command in commands:
            for _offset, words in shell_commands(command):
                _run_command(doc, step, line, words, model, pushes, True)
                script = _script_of(words, read_script)
                if script is not None:
                    for _inner_offset, inner in shell_commands(script.text):
                        _run_command(doc, step, line, inner, model, pushes, True)
    _join_registered(model)
    for target in model.targets:
        if target.platform != "register":
            target.repositories.extend(pushes.get(target.job, []))
    return model


def _join_registered(model: WorkflowModel) -> None:
    """`aws ecs update-service` after `register-task-definition` in the same job deploys that file."""
    registered: dict[str, DeployTarget] = {}  # job -> its latest register-task-definition so far
    for target in model.targets:
        if target.platform == "register":
            registered[target.job] = target
        elif target.platform == "ecs" and target.taskdef is None and target.job in registered:
            target.taskdef = registered[target.job].taskdef
            target.taskdef_site = registered[target.job].taskdef_site


def _workflow_model(doc: Document, read_script: ScriptReader | None = None) -> WorkflowModel:
    triggers = workflow_triggers(doc.usable)
    automatic = bool(triggers - AUTOMATIC_TRIGGERS_EXCLUDED)
    steps = workflow_steps(doc.usable)
    model = WorkflowModel(doc.path, steps, automatic, [], [], [], [])
    renders: dict[str, list[tuple[str | None, Site, Claim | None]]] = {}  # job -> (taskdef, site, container)
    pushes: dict[str, list[Claim]] = {}
    for step in steps:
        site = Site(doc.path, step.line, doc.col_of(step.line, ""))
        with_ = step.data.get("with") if isinstance(step.data.get("with"), dict) else LineDict()
        if step.uses in ECS_RENDER_ACTIONS:
            taskdef = _value_site(doc, with_, step, "task-definition")
            container = _value_site(doc, with_, step, "container-name")
            image = _value_site(doc, with_, step, "image")
            if taskdef and UNRESOLVED not in taskdef[0]:
                model.files.append((Ref("file", taskdef[0], taskdef[0], what="task definition"), taskdef[1]))
            claim = None
            if container and UNRESOLVED not in container[0]:
                claim = Claim("container", container[0], container[1], "container-name")
            renders.setdefault(step.job, []).append(
                (taskdef[0] if taskdef and UNRESOLVED not in taskdef[0] else None, site, claim)
            )
            if image:
                ref = image_of(image[0])
                if ref is not None:
                    model.images.append(PushedImage(ref, image[1], "render-task-definition image", True))
        elif step.uses in ECS_DEPLOY_ACTIONS:
            model.targets.append(_ecs_action_target(doc, step, with_, site, automatic))
        elif step.uses in APPRUNNER_ACTIONS:
            service = _value_site(doc, with_, step, "service")
            image = _value_site(doc, with_, step, "image")
            port = _value_site(doc, with_, step, "port")
            if image:
                ref = image_of(image[0])
                if ref is not None:
                    model.images.append(PushedImage(ref, image[1], "amazon-app-runner-deploy image", True))
            if port and port[0].isdigit():
                model.ports.append((int(port[0]), port[1], "port input of amazon-app-runner-deploy"))
            model.targets.append(
                DeployTarget(
                    "apprunner", site, _claim("service", service, "service"), None, None, None, [], [],
                    step.job, automatic, step.enabled,
                )
            )  # fmt: skip
        elif step.uses == "docker/build-push-action":
            _build_push_action(doc, step, with_, model)
        for line, words in _run_lines(doc, step):
            _run_command(doc, step, line, words, model, pushes, automatic)
            script = _script_of(words, read_script) if read_script is not None else None
            if script is not None:  # `aws ecs update-service` in the deploy script the step runs: the
                # finding goes to the step that runs it (the script is not a file deploy-config is given)
                for _offset, inner in shell_commands(script.text):
                    _run_command(doc, step, line, inner, model, pushes, automatic)
    _join_registered(model)
    for target in model.targets:
        if target.platform == "register":  # names a file only: what it deploys is the ecs target's
            continue
        for rendered, render_site, claim in renders.get(target.job, []):
            if claim is not None and (target.taskdef is None or rendered in (None, target.taskdef)):
                target.containers.append(claim)
            if target.taskdef is None and rendered is not None:
                target.taskdef = rendered
                target.taskdef_site = render_site
        target.repositories.extend(pushes.get(target.job, []))
    for rendered, render_site, claim in (r for rs in renders.values() for r in rs):
        if (
            claim is not None
            and rendered is not None
            and not any(claim in t.containers for t in model.targets)
        ):
            model.targets.append(
                DeployTarget(
                    "render", render_site, None, None, rendered, render_site, [claim], [], "", automatic, True
                )
            )
    return model


def _claim(kind: str, found: tuple[str, Site] | None, label: str) -> Claim | None:
    if found is None or UNRESOLVED in found[0] or not found[0]:
        return None
    return Claim(kind, found[0], found[1], label)


def _ecs_action_target(
    doc: Document, step: WorkflowStep, with_: Any, site: Site, automatic: bool
) -> DeployTarget:
    service = _value_site(doc, with_, step, "service")
    cluster = _value_site(doc, with_, step, "cluster")
    taskdef = _value_site(doc, with_, step, "task-definition")
    path = taskdef[0] if taskdef and UNRESOLVED not in taskdef[0] else None
    return DeployTarget(
        "ecs", site, _claim("service", service, "service"), _claim("cluster", cluster, "cluster"),
        path, taskdef[1] if path and taskdef else None, [], [], step.job, automatic, step.enabled,
    )  # fmt: skip


def _build_push_action(doc: Document, step: WorkflowStep, with_: Any, model: WorkflowModel) -> None:
    push = with_.get("push")
    if not (push is True or (isinstance(push, str) and expand(push, step.env).strip() == "true")):
        return
    found = _value_site(doc, with_, step, "tags")
    if found is None:
        return
    line = line_of(with_, "tags")
    for tag in (t.strip() for t in re.split(r"[,\n]", found[0]) if t.strip()):
        ref = image_of(tag)
        if ref is not None:
            at = _find_line(doc, line, tag.split(UNRESOLVED)[0] or tag)
            model.images.append(
                PushedImage(ref, Site(doc.path, at, doc.col_of(at, tag)), "build-push-action", False)
            )


def _find_line(doc: Document, start: int, needle: str, window: int = 30) -> int:
    """The first line from `start` on (within `window`) that contains `needle`, else `start`."""
    for line in range(start, start + window):
        if needle and needle in doc.line_text(line):
            return line
    return start


def _literal_site(doc: Document, step: WorkflowStep, value: str, fallback: Site) -> Site:
    """Where `value` is written: on the fallback line, or where the step's env sets a variable to it."""
    if value in doc.line_text(fallback.line):
        return Site(doc.path, fallback.line, doc.col_of(fallback.line, value))
    job = get_path(doc.usable, "jobs", step.job)
    envs = [
        n["env"]
        for n in (step.data, job, doc.usable)
        if isinstance(n, dict) and isinstance(n.get("env"), LineDict)
    ]
    for same in (True, False):  # a variable set to the value, else one whose value contains it (an ARN)
        for env in envs:
            for name, raw in env.items():
                if str(raw) == value if same else value in str(raw):
                    line = env.line_of(name)
                    return Site(doc.path, line, doc.col_of(line, value))
    return fallback


def _run_command(
    doc: Document,
    step: WorkflowStep,
    line: int,
    words: list[str],
    model: WorkflowModel,
    pushes: dict[str, list[Claim]],
    automatic: bool,
) -> None:
    expanded = [expand(w, step.env, shell=True) for w in words]
    if words[:1] == ["docker"] and len(words) > 2:
        command = words[1] if words[1] != "buildx" else words[2]
        if command == "push" and "-a" not in words and "--all-tags" not in words:
            target = next((j for j in range(2, len(words)) if not words[j].startswith("-")), None)
            if target is not None:
                _pushed(doc, line, words[target], expanded[target], "docker push", model, pushes, step)
        elif command == "build":
            pushing = "--push" in words
            for j, word in enumerate(words):
                if word in ("-f", "--file") and j + 1 < len(words) and UNRESOLVED not in expanded[j + 1]:
                    site = Site(doc.path, line, doc.col_of(line, words[j + 1]))
                    model.files.append((Ref("file", expanded[j + 1], words[j + 1], what="Dockerfile"), site))
                if pushing and word in ("-t", "--tag") and j + 1 < len(words):
                    _pushed(
                        doc, line, words[j + 1], expanded[j + 1], "docker build --push", model, pushes, step
                    )
    elif words[:2] == ["aws", "ecs"] and len(words) > 2 and words[2] in ECS_DEPLOY_COMMANDS:
        service = _cli_option(
            words, expanded, "--service-name" if words[2] == "create-service" else "--service"
        )
        cluster = _cli_option(words, expanded, "--cluster")
        site = Site(doc.path, line, doc.col_of(line, "aws"))

        def claim(kind: str, found: tuple[int, str] | None) -> Claim | None:
            if found is None or UNRESOLVED in found[1]:
                return None
            written = Site(doc.path, line, doc.col_of(line, words[found[0]]))
            return Claim(kind, found[1], _literal_site(doc, step, found[1], written), f"--{kind}")

        model.targets.append(
            DeployTarget(
                "ecs", site, claim("service", service), claim("cluster", cluster), None, None, [], [],
                step.job, automatic, step.enabled,
            )
        )  # fmt: skip
    elif words[:3] == ["aws", "ecs", "register-task-definition"]:
        _registered(doc, step, line, words, expanded, model, automatic)
    elif (
        words[:2] == ["aws", "apprunner"]
        and len(words) > 2
        and words[2] in ("start-deployment", "update-service")
    ):
        arn = _cli_option(words, expanded, "--service-arn")
        named = None
        if arn is not None:
            m = re.search(r":service/([^/]+)/", arn[1])
            if m and UNRESOLVED not in m.group(1):
                written = _literal_site(
                    doc, step, m.group(1), Site(doc.path, line, doc.col_of(line, m.group(1)))
                )
                named = Claim("service", m.group(1), written, "--service-arn")
        site = Site(doc.path, line, doc.col_of(line, "aws"))
        model.targets.append(
            DeployTarget(
                "apprunner", site, named, None, None, None, [], [], step.job, automatic, step.enabled
            )
        )


def _registered(
    doc: Document,
    step: WorkflowStep,
    line: int,
    words: list[str],
    expanded: list[str],
    model: WorkflowModel,
    automatic: bool,
) -> None:
    """`aws ecs register-task-definition --cli-input-json file://task-def.json`: that file is the task
    definition ECS runs (a `file:///abs` path or a generated document is not a file of the repository)."""
    found = _cli_option(words, expanded, "--cli-input-json")
    if found is None or not found[1].startswith("file://") or UNRESOLVED in found[1]:
        return
    path = found[1][len("file://") :]
    if not path or path.startswith("/"):
        return
    path = posixpath.normpath(path)
    written = words[found[0]]
    site = Site(doc.path, line, doc.col_of(line, written.split("file://")[-1] or written))
    model.files.append((Ref("file", path, written, what="task definition"), site))
    model.targets.append(
        DeployTarget("register", site, None, None, path, site, [], [], step.job, automatic, step.enabled)
    )


def _cli_option(words: list[str], expanded: list[str], option: str) -> tuple[int, str] | None:
    for j, word in enumerate(words):
        if word == option and j + 1 < len(words):
            return j + 1, expanded[j + 1]
        if word.startswith(option + "="):
            return j, expanded[j].split("=", 1)[1]
    return None


def _pushed(
    doc: Document,
    line: int,
    word: str,
    value: str,
    how: str,
    model: WorkflowModel,
    pushes: dict[str, list[Claim]],
    step: WorkflowStep,
) -> None:
    ref = image_of(value)
    if ref is None:
        return
    site = Site(doc.path, line, doc.col_of(line, word))
    model.images.append(PushedImage(ref, site, how, False))
    if (is_ecr(ref) or UNRESOLVED in ref.registry) and UNRESOLVED not in ref.repository:
        written = _literal_site(doc, step, ref.repository, site)
        pushes.setdefault(step.job, []).append(Claim("repository", ref.repository, written, how))


# --- task definitions ----------------------------------------------------------------------------


def containers(data: Any) -> list[LineDict]:
    defs = data.get("containerDefinitions") if isinstance(data, dict) else None
    return [c for c in defs if isinstance(c, LineDict)] if isinstance(defs, list) else []


def main_container(data: Any, wanted: str | None = None) -> LineDict | None:
    """The container that serves: the configured one, else the only one with ports, else the first."""
    found = containers(data)
    if wanted is not None:
        for c in found:
            if c.get("name") == wanted:
                return c
    with_ports = [c for c in found if c.get("portMappings")]
    if len(with_ports) == 1:
        return with_ports[0]
    essential = [c for c in with_ports if c.get("essential", True) is not False]
    if essential:
        return essential[0]
    return found[0] if len(found) == 1 else None


def health_command(container: Any) -> tuple[str, int] | None:
    """The health check command of a container definition as one string, and its line."""
    command = get_path(container, "healthCheck", "command")
    if not isinstance(command, list) or not all(isinstance(c, str) for c in command):
        return None
    words = command[1:] if command[:1] in (["CMD"], ["CMD-SHELL"]) else command
    return " ".join(words), line_of(container.get("healthCheck"), "command")


# --- services and their files --------------------------------------------------------------------


@dataclass
class Groups:
    """Which deployment files belong together (one service); keyed by service name or directory."""

    members: dict[str, list[str]]
    of: dict[str, list[str]]  # path -> group keys
    service: dict[str, ServiceConfig]  # group key -> configured service, when grouped by config


def groups(context: RunContext) -> Groups:
    return context.fact(_groups)


def _groups(context: RunContext) -> Groups:
    config = context.config
    paths = deploy_paths(context)
    members: dict[str, list[str]] = {}
    services: dict[str, ServiceConfig] = {}
    if config.services:
        claimed: set[str] = set()
        for svc in config.services:
            if svc.files:
                matcher = PathMatcher(svc.files)
                mine = [p for p in paths if matcher(p)]
                members[svc.name] = mine
                services[svc.name] = svc
                claimed.update(mine)
        if len(config.services) == 1 and not config.services[0].files:
            members[config.services[0].name] = list(paths)
            services[config.services[0].name] = config.services[0]
        elif len(config.services) == 1:
            pass
        else:
            unclaimed = [p for p in paths if p not in claimed]
            _by_directory(context, unclaimed, members)
    else:
        _by_directory(context, paths, members)
    of: dict[str, list[str]] = {}
    for key, files in members.items():
        for path in files:
            of.setdefault(path, []).append(key)
    return Groups(members, of, services)


def _by_directory(context: RunContext, paths: list[str], members: dict[str, list[str]]) -> None:
    """Without services in the config: one group per directory holding a Dockerfile, apprunner.yaml or
    Procfile; other files join the nearest such directory above them, or the only one, or the one
    whose files they name."""
    anchors = sorted({dirname(p) for p in paths if classify(p) in ("dockerfile", "apprunner", "procfile")})
    if not anchors:
        if paths:
            members.setdefault("dir:", []).extend(paths)
        return
    loose: list[str] = []
    for path in paths:
        ups = [a for a in anchors if a == "" or path.startswith(a + "/")]
        if ups:
            members.setdefault(f"dir:{max(ups, key=len)}", []).append(path)
        else:
            loose.append(path)
    for path in loose:
        if len(anchors) == 1:
            members.setdefault(f"dir:{anchors[0]}", []).append(path)
            continue
        wf = workflow_model(context, path) if classify(path) == "workflow" else None
        named = [ref.value for ref, _ in wf.files] if wf else []
        for anchor in anchors:
            if any(n == anchor or n.startswith(anchor + "/") for n in named):
                members.setdefault(f"dir:{anchor}", []).append(path)


# --- ports ---------------------------------------------------------------------------------------

RANK_LISTEN, RANK_PLATFORM, RANK_IMAGE, RANK_HEALTH = 0, 1, 2, 3


@dataclass(frozen=True)
class PortFact:
    site: Site
    ports: frozenset[int]
    label: str
    rank: int

    def shown(self) -> str:
        return "/".join(str(p) for p in sorted(self.ports))


def port_facts(context: RunContext) -> dict[str, list[PortFact]]:
    """Port facts of each group."""
    return context.fact(_port_facts)


def _port_facts(context: RunContext) -> dict[str, list[PortFact]]:
    grouped = groups(context)
    out: dict[str, list[PortFact]] = {}
    for key, paths in grouped.members.items():
        svc = grouped.service.get(key)
        facts: list[PortFact] = []
        entries: list[str] = []
        for path in paths:
            facts.extend(file_port_facts(context, path, svc, entries))
        for entry in dict.fromkeys(entries):
            facts.extend(_python_port_facts(context, entry))
        out[key] = facts
    return out


def file_port_facts(
    context: RunContext, path: str, svc: ServiceConfig | None, entries: list[str]
) -> list[PortFact]:
    """The ports one deployment file states; Python entry points it runs are added to `entries`."""
    doc = document(context, path)
    if doc is None or doc.error is not None:
        return []
    kind = doc.kind
    facts: list[PortFact] = []
    if kind == "dockerfile":
        model = dockerfile_model(context, path)
        if model is None or model.final is None:
            return []
        exposed: set[int] = set()
        first: Instruction | None = None
        for instr in model.final.instructions:
            if instr.keyword == "EXPOSE":
                for word in instr.args.split():
                    number = word.split("/", 1)[0]
                    if number.isdigit():
                        exposed.add(int(number))
                        first = first or instr
            elif instr.keyword == "ENV":
                for name, value in dockerfile_env(instr):
                    if name == "PORT" and value and value.isdigit():
                        site = Site(path, instr.line, doc.col_of(instr.line, value))
                        facts.append(PortFact(site, frozenset({int(value)}), "ENV PORT", RANK_IMAGE))
        if first is not None:
            number = next(w.split("/")[0] for w in first.args.split() if w.split("/")[0].isdigit())
            site = Site(path, first.line, doc.col_of(first.line, number))
            facts.append(PortFact(site, frozenset(exposed), "EXPOSE", RANK_IMAGE))
        for command in run_commands(context, path):
            facts.extend(_command_ports(context, doc, command, entries))
        check = model.last("HEALTHCHECK")
        if check is not None:
            facts.extend(_health_ports(doc, check.line, check.args))
    elif kind == "apprunner" and isinstance(doc.usable, dict):
        run = doc.usable.get("run")
        if isinstance(run, LineDict):
            port = get_path(run, "network", "port")
            if isinstance(port, (int, str)) and str(port).isdigit():
                line = line_of(run.get("network"), "port")
                site = Site(path, line, doc.col_of(line, str(port)))
                facts.append(PortFact(site, frozenset({int(port)}), "network.port", RANK_PLATFORM))
            elif port is None:
                site = Site(path, line_of(doc.usable, "run"), 1)
                label = "App Runner's default port (no network.port)"
                facts.append(PortFact(site, frozenset({APPRUNNER_DEFAULT_PORT}), label, RANK_PLATFORM))
            for command in run_commands(context, path):
                facts.extend(_command_ports(context, doc, command, entries))
    elif kind == "taskdef" and isinstance(doc.usable, dict):
        container = main_container(doc.usable, svc.container if svc else None)
        if container is not None:
            mappings = container.get("portMappings")
            ports = {
                m["containerPort"]
                for m in (mappings if isinstance(mappings, list) else [])
                if isinstance(m, dict)
                and isinstance(m.get("containerPort"), int)
                and not isinstance(m.get("containerPort"), bool)
            }
            if ports and isinstance(mappings, LineList):
                first_map = mappings[0] if isinstance(mappings[0], LineDict) else None
                line = first_map.line_of("containerPort") if first_map is not None else mappings.line
                site = Site(path, line, doc.col_of(line, str(min(ports))))
                label = f"containerPort of {container.get('name', '?')}"
                facts.append(PortFact(site, frozenset(ports), label, RANK_PLATFORM))
            health = health_command(container)
            if health is not None:
                facts.extend(_health_ports(doc, health[1], health[0]))
    elif kind == "workflow":
        wf = workflow_model(context, path)
        for port, site, label in wf.ports if wf else []:
            facts.append(PortFact(site, frozenset({port}), label, RANK_PLATFORM))
    elif kind == "procfile":
        for command in run_commands(context, path):
            if command.process == "web":
                facts.extend(_command_ports(context, doc, command, entries))
    return facts


def _command_ports(
    context: RunContext, doc: Document, command: RunCommand, entries: list[str]
) -> list[PortFact]:
    facts = []
    for line, words in command.commands():
        analysis = analyse_command(words)
        for port in analysis.ports:
            at = command.line_of(line, port.word)
            site = Site(doc.path, at, doc.col_of(at, port.word))
            facts.append(PortFact(site, frozenset({port.port}), port.label, RANK_LISTEN))
        for ref in analysis.refs:
            if ref.what in ("python script", "python -m module"):
                entries.extend(resolve(context, ref, list(command.bases)))
    return facts


def _health_ports(doc: Document, line: int, command: str) -> list[PortFact]:
    facts = []
    for m in LOCAL_URL_RX.finditer(command):
        port = int(m.group(2)) if m.group(2) else (443 if m.group(1) == "https" else 80)
        label = "health check URL" if m.group(2) else f"health check URL (no port: {m.group(1)} uses {port})"
        at = _find_line(doc, line, m.group(0), window=5)
        facts.append(
            PortFact(Site(doc.path, at, doc.col_of(at, m.group(0))), frozenset({port}), label, RANK_HEALTH)
        )
    return facts


def _python_port_facts(context: RunContext, path: str) -> list[PortFact]:
    doc = document(context, path)
    if doc is None or "uvicorn" not in doc.text:
        return []
    try:
        tree = ast.parse(doc.text)
    except PARSE_ERRORS:
        return []
    facts = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _is_uvicorn_run(node.func)):
            continue
        for kw in node.keywords:
            if kw.arg == "port" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, int):
                line = kw.value.lineno
                site = Site(path, line, doc.col_of(line, str(kw.value.value)))
                facts.append(
                    PortFact(site, frozenset({kw.value.value}), "uvicorn.run(port=...)", RANK_LISTEN)
                )
    return facts


def _is_uvicorn_run(func: ast.expr) -> bool:
    if isinstance(func, ast.Attribute) and func.attr == "run":
        return isinstance(func.value, ast.Name) and func.value.id == "uvicorn"
    return False


# --- resolving what commands name ----------------------------------------------------------------


def resolve(context: RunContext, ref: Ref, bases: list[str]) -> list[str]:
    """Tracked repo paths a reference can mean, trying each base directory."""
    index = tracked(context)
    return [c for c in candidates(ref, bases) if c in index.files]


@dataclass(frozen=True)
class Missing:
    ref: Ref
    state: str  # why it counts as missing


def missing(context: RunContext, ref: Ref, bases: list[str], *, generated: str = "") -> Missing | None:
    """Why `ref` would be absent from a clean checkout, or None when it is tracked (or cannot be judged).

    Precision first: a module is judged only when it is first-party (its top package is tracked, or
    its file exists here); a file that exists nowhere is judged only when no build step (`generated`,
    the text of RUN lines or build commands) mentions its name.
    """
    if any(c in ref.value for c in "$*?[{") or UNRESOLVED in ref.value:
        return None
    index = tracked(context)
    value = ref.value
    if value.startswith("/"):
        return None
    found = candidates(ref, bases)
    if any(index.has(c) for c in found):
        return None
    if ignored(context, found):
        return None  # build output on purpose (dist/, *.whl): something builds it before the image
    rels = module_files(value) if ref.kind == "module" else [value]
    if any(index.has_suffix(rel) for rel in rels if rel.strip("./")):
        return None
    on_disk = [c for c in found if c and context.exists(c)]  # a name too long is simply not there
    if on_disk:
        return Missing(ref, f"{on_disk[0]} exists only in this working tree: git add it")
    if ref.kind == "module":
        top = value.split(".", 1)[0]
        roots = [join(join(b, ref.base) if ref.base else b, top) for b in bases]
        if not any(index.has(r) and r for r in roots) or "." not in value:
            return None
        return Missing(ref, "no such module in the repository")
    name = posixpath.basename(value.rstrip("/"))
    if not name or name in generated:
        return None
    return Missing(ref, "no such file in the repository")


def _ignored_paths(context: RunContext) -> dict[str, bool]:
    return {}


def ignored(context: RunContext, paths: list[str]) -> bool:
    """Whether git ignores any of `paths` (or a directory above one): .gitignore files with their
    negations, asked of `git check-ignore` once per batch and remembered for the run. When git
    cannot answer, nothing counts as ignored."""
    from .. import _git

    known = context.fact(_ignored_paths)
    asked = [p for p in paths if p and p not in known]
    if asked:
        try:
            hits = _git.ignored(context.root, asked)
        except _git.GitError:
            hits = set()
        known.update((p, p in hits) for p in asked)
    return any(known.get(p, False) for p in paths)
