"use strict";
// The dashboard's one renderer: the data (inline, or /api/status when served live) fills the
// <template>s of the page. Texts go in with textContent only; the trend chart is SVG the tool drew.
(function () {
  const PAGE = 50;
  const POLL_MS = 5000;
  const $ = (id) => document.getElementById(id);
  let status = JSON.parse($("data").textContent);
  let etag = null;
  // the timeline as shown: events newest first, and where the next page starts
  const view = { service: "", events: [], next: null, shown: PAGE, fileMode: !status.live };
  let token = "";

  function clone(id) {
    return $(id).content.firstElementChild.cloneNode(true);
  }
  function f(root, name) {
    return root.querySelector('[data-f="' + name + '"]');
  }
  function put(root, name, text) {
    const el = f(root, name);
    el.textContent = text == null ? "" : String(text);
    return el;
  }
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = String(text);
    return node;
  }
  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    if (isNaN(d)) return String(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function ago(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return "";
    const s = Math.round((Date.now() - d.getTime()) / 1000);
    if (s < 60) return s <= 1 ? "just now" : s + " s ago";
    if (s < 3600) return Math.round(s / 60) + " min ago";
    if (s < 86400) return Math.round(s / 3600) + " h ago";
    return Math.round(s / 86400) + " d ago";
  }
  function badge(node, b) {
    node.className = "badge " + b.tone;
    node.textContent = "";
    const glyph = el("span", null, b.glyph);
    glyph.setAttribute("aria-hidden", "true");
    node.append(glyph, " " + b.text);
  }
  function brief(e) {
    if (!e) return "none recorded";
    let text = e.version + (e.commit ? " (" + e.commit + ")" : "") + " · " + e.badge.text.toLowerCase();
    if (e.at) text += " · " + when(e.at);
    return text;
  }

  // --- services ----------------------------------------------------------------------------------
  const STATE = { up: ["ok", "●"], down: ["bad", "✕"], drift: ["warn", "≠"], unknown: ["muted", "?"] };

  function renderServices() {
    const list = $("service-list");
    list.textContent = "";
    $("no-services").hidden = status.services.length > 0;
    for (const s of status.services) {
      const card = clone("t-service");
      card.classList.add(s.state);
      card.dataset.service = s.name;
      put(card, "name", s.name);
      const [tone, glyph] = STATE[s.state] || STATE.unknown;
      const state = f(card, "state");
      state.classList.add(tone);
      put(card, "state-glyph", glyph);
      put(card, "state-text", s.state_text + (s.deploying ? " · DEPLOYING" : ""));
      const c = s.check;
      let health = "not checked";
      if (!s.health_url) health = "no health URL configured";
      else if (c) {
        health = (c.ok ? "healthy" : "failing") + (c.status ? " · HTTP " + c.status : "") + " · " +
          Math.round(c.ms) + " ms";
        if (!c.ok && c.failures.length) health += " · " + c.failures.join("; ");
      }
      put(card, "health", health);
      put(card, "running", s.running || (c && c.ok ? "not reported by /health" : "unknown"));
      put(card, "recorded", s.recorded ? s.recorded.version + " (" + s.recorded.commit + ", #" + s.recorded.id + ")" : "nothing deployed yet");
      put(card, "last-deploy", brief(s.last_deploy));
      put(card, "last-rollback", brief(s.last_rollback));
      if (s.uptime) {
        put(card, "uptime", s.uptime.percent + "% of the last " + s.uptime.checks + " checks");
        const strip = f(card, "strip");
        strip.setAttribute("aria-hidden", "true");
        for (const t of s.uptime.strip) {
          const tick = el("span", "tick" + (t.ok ? "" : " fail"));
          tick.title = when(t.at) + (t.ok ? " up" : " down");
          strip.append(tick);
        }
      } else {
        put(card, "uptime", "no checks recorded");
      }
      if (s.drift) {
        const d = put(card, "drift", "Drift: " + s.drift);
        d.hidden = false;
      }
      put(card, "where", [s.provider, s.health_url, s.configured ? "" : "not in .ava-safety.yaml"]
        .filter(Boolean).join(" · "));
      if (status.live && s.configured) {
        f(card, "card-actions").hidden = false;
        const button = f(card, "rollback");
        button.setAttribute("aria-label", "Roll back " + s.name + "…");
        button.addEventListener("click", () => askRollback(s.name));
      }
      list.append(card);
    }
    const n = status.summary;
    const total = status.services.length;
    const parts = [];
    if (n.up) parts.push(n.up + " up");
    if (n.down) parts.push(n.down + " down");
    if (n.drift) parts.push(n.drift + " drifted");
    if (n.unknown) parts.push(n.unknown + " not checked");
    $("summary").textContent = total === 0 ? "No services yet." :
      (n.down ? "✕ " : n.drift ? "≠ " : n.up === total ? "● " : "? ") +
      total + (total === 1 ? " service: " : " services: ") + parts.join(", ") + ".";
  }

  // --- timeline ----------------------------------------------------------------------------------
  function eventRow(e) {
    const li = clone("t-event");
    li.id = "event-" + e.id;
    badge(f(li, "badge"), e.badge);
    let title = "#" + e.id + " " + e.service + " " + e.version;
    if (e.kind === "rollback") title = "#" + e.id + " " + e.service + " rollback to " + e.version;
    put(li, "title", title);
    put(li, "when", when(e.started_at));
    const meta = [];
    if (e.short) meta.push("commit " + e.short);
    if (e.author) meta.push("by " + e.author);
    if (e.actor && e.actor !== e.author) meta.push("run by " + e.actor);
    if (e.seconds != null) meta.push(e.seconds.toFixed(1) + " s");
    if (e.compliance_score != null) meta.push("compliance " + e.compliance_score.toFixed(1));
    if (e.status === "started") meta.push("phase " + e.phase);
    if (e.reason) meta.push(e.reason);
    put(li, "meta", meta.join(" · "));
    const links = f(li, "links");
    const add = (text, href) => {
      if (links.childNodes.length) links.append(" · ");
      if (href) {
        const a = el("a", null, text);
        a.href = href;
        links.append(a);
      } else links.append(text);
    };
    if (e.rollback_from) add("undoes #" + e.rollback_from, "#event-" + e.rollback_from);
    if (e.undone_by) add("rolled back by #" + e.undone_by, "#event-" + e.undone_by);
    if (e.log) add("log", e.log);
    if (!links.childNodes.length) links.hidden = true;
    if (e.error) {
      const err = put(li, "error", e.error);
      err.hidden = false;
    }
    if (e.change.length) {
      f(li, "change-box").hidden = false;
      const ul = f(li, "change");
      for (const line of e.change) ul.append(el("li", null, line));
      if (e.change_more) ul.append(el("li", null, "… and " + e.change_more + " more"));
    }
    return li;
  }

  function visible() {
    return view.fileMode ? view.events.slice(0, view.shown) : view.events;
  }

  function renderTimeline() {
    const list = $("timeline");
    list.textContent = "";
    const shown = visible();
    for (const e of shown) list.append(eventRow(e));
    $("no-events").hidden = shown.length > 0;
    const more = view.fileMode ? view.events.length > view.shown : view.next != null;
    $("older").hidden = !more;
    const note = $("older-note");
    note.textContent = view.fileMode && view.events.length <= view.shown && status.timeline.next_before != null ?
      "This file holds the newest " + status.timeline.events.length + " events; `ava-safety history` has the rest." : "";
  }

  function fileEvents() {
    const all = status.timeline.events;
    return view.service ? all.filter((e) => e.service === view.service) : all.slice();
  }

  async function loadHistory(before) {
    const params = new URLSearchParams();
    if (view.service) params.set("service", view.service);
    if (before != null) params.set("before", before);
    const r = await fetch("/api/history?" + params.toString(), { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.json();
  }

  async function older() {
    if (view.fileMode) {
      view.shown += PAGE;
      renderTimeline();
      return;
    }
    const page = await loadHistory(view.next);
    view.events = view.events.concat(page.events);
    view.next = page.next_before;
    renderTimeline();
  }

  async function setFilter(service) {
    view.service = service;
    view.shown = PAGE;
    if (view.fileMode) {
      view.events = fileEvents();
    } else {
      const page = await loadHistory(null);
      view.events = page.events;
      view.next = page.next_before;
    }
    renderTimeline();
  }

  function mergeTimeline() {
    // a refresh: new events on top, changed ones (a deploy that finished) updated in place
    const fresh = status.timeline.events.filter((e) => !view.service || e.service === view.service);
    if (!view.events.length) {
      view.events = fresh;
      view.next = view.service ? view.next : status.timeline.next_before;
      return;
    }
    const byId = new Map(fresh.map((e) => [e.id, e]));
    const top = view.events[0].id;
    const added = fresh.filter((e) => e.id > top);
    view.events = added.concat(view.events.map((e) => byId.get(e.id) || e));
  }

  function renderFilter() {
    const select = $("filter");
    const have = new Set(Array.from(select.options).map((o) => o.value));
    for (const s of status.services) {
      if (!have.has(s.name)) select.append(new Option(s.name, s.name));
    }
  }

  // --- compliance, checks, risk, database, weekly -------------------------------------------------
  function renderCompliance() {
    const c = status.compliance;
    const latest = c.latest;
    $("no-score").hidden = !!latest;
    $("score").hidden = !latest;
    const list = $("principles");
    list.textContent = "";
    if (latest) {
      $("overall").textContent = latest.overall == null ? "no score" : latest.overall.toFixed(1) + " / 100";
      badge($("overall-badge"), latest.passed ? { tone: "ok", glyph: "✓", text: "PASSED" } :
        { tone: "bad", glyph: "✕", text: "UNDER THE MINIMUM" });
      const files = latest.files || 0;
      $("score-note").textContent = "minimum " + latest.min_score + " · " + files +
        (files === 1 ? " file · " : " files · ") + when(latest.finished_at);
      for (const p of latest.principles) {
        const li = el("li", "principle");
        const under = !p.passed;
        li.append(el("span", null, p.name));
        const bar = el("span", "bar" + (under ? " under" : ""));
        bar.setAttribute("aria-hidden", "true");
        const fill = el("span");
        fill.style.width = Math.max(0, Math.min(100, p.score)) + "%";
        bar.append(fill);
        li.append(bar);
        li.append(el("span", under ? "badge bad" : null, p.score.toFixed(1) + (under ? " ✕ min " + p.min_score : "")));
        list.append(li);
      }
    }
    $("trend").innerHTML = c.trend_svg; // drawn by the tool from numbers; labels escaped there
  }

  function renderChecks() {
    const body = $("check-rows");
    body.textContent = "";
    $("no-checks").hidden = status.hooks.length > 0;
    $("check-table").hidden = status.hooks.length === 0;
    for (const h of status.hooks) {
      const tr = el("tr");
      tr.append(el("th", null, h.hook));
      tr.firstChild.setAttribute("scope", "row");
      const v = el("td");
      const b = el("span");
      badge(b, { tone: h.tone, glyph: h.glyph, text: h.verdict });
      v.append(b);
      tr.append(v, el("td", null, h.figure), el("td", null, when(h.finished_at) +
        (h.seconds != null ? " · " + Number(h.seconds).toFixed(1) + " s" : "")));
      body.append(tr);
    }
  }

  const RISK = { low: ["ok", "●"], medium: ["warn", "▲"], high: ["bad", "▲"], critical: ["bad", "✕"] };
  function renderRisk() {
    const r = status.risk;
    $("risk").hidden = !r;
    if (!r) return;
    const [tone, glyph] = RISK[r.level] || ["muted", "?"];
    badge($("risk-level"), { tone, glyph, text: r.level.toUpperCase() + (r.score != null ? " · " + r.score : "") });
    $("risk-when").textContent = when(r.finished_at) + (r.blocked ? " · the push was blocked" : "");
    const ul = $("risk-reasons");
    ul.textContent = "";
    for (const reason of r.reasons) ul.append(el("li", null, reason));
  }

  function renderDatabase() {
    const d = status.database;
    $("database").hidden = !d;
    if (!d) return;
    $("db-when").textContent = d.verdict + " · " + when(d.finished_at);
    const ul = $("db-list");
    ul.textContent = "";
    for (const db of d.databases) {
      const li = el("li");
      const b = el("span");
      badge(b, db.ok ? { tone: "ok", glyph: "✓", text: "REACHABLE" } : { tone: "bad", glyph: "✕", text: "UNREACHABLE" });
      li.append(b, " " + db.name + (db.latency_ms != null ? " · " + Math.round(db.latency_ms) + " ms" : "") +
        (db.error ? " · " + db.error : ""));
      ul.append(li);
    }
  }

  function renderWeekly() {
    const box = $("weekly-list");
    box.textContent = "";
    for (const s of status.weekly.services) {
      const block = clone("t-week");
      put(block, "service", s.service);
      const body = f(block, "rows");
      const rows = s.weeks.slice().reverse().concat([s.total]);
      for (const w of rows) {
        const tr = el("tr");
        const head = el("th", null, w.week === "total" ? "Last " + s.weeks.length + " weeks" : w.week);
        head.setAttribute("scope", "row");
        const rate = w.rate == null ? "–" : w.rate.toFixed(0) + "%";
        tr.append(head, el("td", "num", w.deploys), el("td", "num", rate), el("td", "num", w.failed),
          el("td", "num", w.rollbacks + (w.automatic ? " (" + w.automatic + " automatic)" : "")),
          el("td", "num", w.blocked));
        body.append(tr);
      }
      box.append(block);
    }
  }

  function render() {
    document.title = "ava-safety · " + status.repo;
    $("repo").textContent = "· " + status.repo;
    $("generated").textContent = "Generated " + when(status.generated_at) + " (" + ago(status.generated_at) + ")";
    $("tool").textContent = status.tool + " · history: " + status.history.store;
    const herr = $("history-error");
    herr.hidden = !status.history.error;
    herr.textContent = status.history.error || "";
    renderServices();
    renderFilter();
    renderCompliance();
    renderChecks();
    renderRisk();
    renderDatabase();
    renderWeekly();
    $("actions").hidden = !status.live;
  }

  // --- live: refresh and actions -----------------------------------------------------------------
  async function refresh() {
    try {
      const headers = etag ? { "If-None-Match": etag } : {};
      const r = await fetch("/api/status", { cache: "no-store", headers });
      const live = $("live");
      live.hidden = false;
      if (r.status === 304) {
        live.textContent = "live · checked " + when(new Date().toISOString());
        return;
      }
      if (!r.ok) throw new Error("HTTP " + r.status);
      etag = r.headers.get("ETag");
      status = await r.json();
      render();
      mergeTimeline();
      renderTimeline();
      live.textContent = "live · updated " + when(new Date().toISOString());
    } catch (err) {
      const live = $("live");
      live.hidden = false;
      live.textContent = "live · cannot reach the server (" + err.message + ")";
    }
  }

  function confirmDialog(title, text) {
    const dialog = $("confirm");
    $("confirm-title").textContent = title;
    $("confirm-text").textContent = text;
    return new Promise((resolve) => {
      dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
      dialog.showModal();
    });
  }

  function show(text, output) {
    $("action-result").hidden = false;
    $("action-text").textContent = text;
    const pre = $("action-output");
    pre.hidden = !output;
    pre.textContent = output || "";
  }

  async function act(action, body, label) {
    if (!token) {
      show("Enter the action token first (ava-safety serve printed it).");
      $("token").focus();
      return;
    }
    const buttons = document.querySelectorAll("button[data-action], [data-f=rollback]");
    buttons.forEach((b) => (b.disabled = true));
    try {
      show(label + ": starting…");
      const r = await fetch("/api/actions/" + action, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify(body || {}),
      });
      const answer = await r.json().catch(() => ({}));
      if (r.status === 403) {
        show(label + ": refused (" + (answer.error || "the token is missing or wrong") + ").");
        return;
      }
      if (!r.ok) {
        show(label + ": failed (" + (answer.error || "HTTP " + r.status) + ").");
        return;
      }
      let job = answer;
      while (job.state === "running") {
        show(label + ": running… " + Math.round(job.seconds) + " s", job.output);
        await new Promise((res) => setTimeout(res, 1000));
        const p = await fetch("/api/jobs/" + encodeURIComponent(job.id), { cache: "no-store" });
        job = await p.json();
      }
      show(label + ": " + job.state + (job.exit_code != null ? " (exit " + job.exit_code + ")" : "") +
        " in " + job.seconds.toFixed(1) + " s.", job.output);
      await refresh();
    } catch (err) {
      show(label + ": " + err.message);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }

  async function askRollback(service) {
    let plan = "Roll " + service + " back to its last stable version?";
    try {
      const r = await fetch("/api/plan?service=" + encodeURIComponent(service), { cache: "no-store" });
      const p = await r.json();
      plan = p.plan ? p.plan.charAt(0).toUpperCase() + p.plan.slice(1) + "?" : "No rollback is possible: " + p.error;
      if (!p.plan) {
        show(plan);
        return;
      }
    } catch (err) {
      // the plan is a courtesy: the rollback itself plans again, under the deploy lock
    }
    if (await confirmDialog("Roll back " + service, plan + " It is verified by the health checks and recorded."))
      act("rollback", { service }, "Rollback of " + service);
  }

  function setupLive() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) {
      sessionStorage.setItem("ava-safety-token", fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    token = sessionStorage.getItem("ava-safety-token") || "";
    $("token").value = token;
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      token = $("token").value.trim();
      sessionStorage.setItem("ava-safety-token", token);
      show(token ? "Token set for this tab." : "Token cleared.");
    });
    document.querySelectorAll("button[data-action]").forEach((b) => {
      const labels = { health: "Health check", checks: "Checks" };
      const texts = {
        health: "Probe every service's health URL now?",
        checks: "Run every file-level hook on the whole repository again? It takes a while on a big repository.",
      };
      b.addEventListener("click", async () => {
        if (await confirmDialog(b.textContent, texts[b.dataset.action])) act(b.dataset.action, {}, labels[b.dataset.action]);
      });
    });
    setInterval(refresh, POLL_MS);
  }

  render();
  view.events = fileEvents();
  view.next = status.timeline.next_before;
  renderTimeline();
  $("filter").addEventListener("change", (ev) => setFilter(ev.target.value).catch((err) => show(err.message)));
  $("older").addEventListener("click", () => older().catch((err) => show(err.message)));
  if (status.live) setupLive();
})();
