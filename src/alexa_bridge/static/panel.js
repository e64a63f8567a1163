// Panel behaviour: local times, live activity (server-sent events), filters, the
// authenticator key check, copy buttons, test-play progress and pages that update in
// place. Every URL is relative so the panel works under Home Assistant's ingress prefix.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";

  // Inside Home Assistant the panel is a same-origin frame; Home Assistant's frontend
  // puts the user's language on its <html lang>. Hand it to the server in a cookie
  // scoped to the panel's prefix, and reload once when it changed (not if cookies are off).
  const languageCookie = document.querySelector('meta[name="language-cookie"]')?.content;
  let homeLanguage = "";
  try {
    if (window.parent !== window) homeLanguage = window.parent.document.documentElement.lang || "";
  } catch (err) { homeLanguage = ""; }  // another origin's frame: nothing to read
  if (languageCookie && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(homeLanguage)) {
    const stored = () => document.cookie.split("; ").find((c) => c.startsWith(`${languageCookie}=`))?.split("=")[1];
    if (stored() !== homeLanguage) {
      const path = new URL(".", document.baseURI).pathname;
      document.cookie = `${languageCookie}=${homeLanguage}; path=${path}; max-age=31536000; samesite=strict`;
      if (stored() === homeLanguage) window.location.reload();
    }
  }

  // One time zone everywhere: the browser's own.
  const showTimes = (root) => root.querySelectorAll("time[data-epoch]").forEach((el) => {
    const when = new Date(Number(el.dataset.epoch) * 1000);
    el.dateTime = when.toISOString();
    el.textContent = when.toLocaleString();
  });
  showTimes(document);

  const getJson = (url) => fetch(url, { credentials: "same-origin" }).then((r) => r.json());
  const post = (url, body) => fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  }).then((r) => r.json());

  // A step named in the address opens; a field with an error gets the focus.
  const openStep = () => {
    const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
    const details = target && target.querySelector(":scope > details");
    if (details) details.open = true;
  };
  openStep();
  window.addEventListener("hashchange", openStep);
  const invalid = document.querySelector('[aria-invalid="true"]');
  if (invalid) {
    invalid.closest("section")?.querySelector(":scope > details")?.setAttribute("open", "");
    const focusInvalid = () => {
      invalid.focus();
      invalid.scrollIntoView({ block: "center" });
    };
    focusInvalid();
    window.addEventListener("load", () => setTimeout(focusInvalid, 0));
  }

  // Copy buttons: the value next to them goes to the clipboard (also on plain http).
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source ? source.textContent.trim() : "";
      const done = () => {
        const label = button.textContent;
        button.dataset.copied = "true";
        button.textContent = button.dataset.copiedText || "✓";
        setTimeout(() => { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, () => {});
        return;
      }
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { document.execCommand("copy"); done(); } catch (_) { /* nothing to copy with */ }
      area.remove();
    });
  });

  // A select that shows a box only for one of its values (the self-signed certificate).
  document.querySelectorAll("select[data-shows]").forEach((select) => {
    const box = document.getElementById(select.dataset.shows);
    const sync = () => { box.hidden = select.value !== select.dataset.showsValue; };
    select.addEventListener("change", sync);
  });

  // Live views follow server-sent events. Home Assistant's ingress before 2026.2 compresses
  // text/event-stream, so nothing arrives there, not even the stream's "ready" event: when it
  // has not come within a few seconds, close the stream and poll instead.
  const liveEvents = (url, handlers, poll, every) => {
    const events = new EventSource(url);
    let timer = setTimeout(() => {
      events.close();
      const again = () => { timer = setTimeout(() => poll().finally(again), every); };
      poll().finally(again);
    }, 5000);
    events.addEventListener("ready", () => clearTimeout(timer));
    Object.entries(handlers).forEach(([name, handle]) => events.addEventListener(name, handle));
    return () => { clearTimeout(timer); events.close(); };
  };

  // Activity: filter rows and append new ones as they happen.
  const table = document.getElementById("activity");
  if (table) {
    const body = table.tBodies[0];
    const kinds = JSON.parse(table.dataset.kinds || "{}");
    const text = document.getElementById("activity-filter");
    const kind = document.getElementById("activity-kind");
    const applyFilter = (row) => {
      const wanted = (!kind.value || row.dataset.kind === kind.value)
        && (!text.value || row.textContent.toLowerCase().includes(text.value.toLowerCase()));
      row.hidden = !wanted;
    };
    const filterAll = () => Array.from(body.rows).forEach(applyFilter);
    text.addEventListener("input", filterAll);
    kind.addEventListener("change", filterAll);
    const cell = (row, value) => { const td = row.insertCell(); td.textContent = value ?? ""; return td; };
    const empty = document.getElementById("activity-empty");
    // Polling: the Activity page itself has the newest rows.
    const refresh = () => fetch("activity", { credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#activity tbody");
        if (!fresh) return;
        body.replaceChildren(...Array.from(fresh.rows));
        showTimes(body);
        filterAll();
        empty.hidden = body.rows.length > 0;
      }).catch(() => {});
    liveEvents(table.dataset.events, { activity: (message) => {
      const entry = JSON.parse(message.data);
      const row = body.insertRow(0);
      row.dataset.kind = entry.kind;
      if (!entry.ok) row.className = "failed";
      const time = document.createElement("time");
      time.dataset.epoch = entry.time;
      cell(row, "").appendChild(time);
      [kinds[entry.kind] || entry.kind, entry.device, entry.type, entry.result].forEach((v) => cell(row, v));
      cell(row, entry.latency_ms == null ? "" : `${entry.latency_ms.toFixed(1)} ms`);
      showTimes(row);
      applyFilter(row);
      while (body.rows.length > 200) body.deleteRow(-1);
      empty.hidden = true;
    } }, refresh, 5000);
  }

  // Classic sign-in: check the authenticator key as it is typed.
  document.querySelectorAll("input[data-otp-check]").forEach((input) => {
    const out = document.getElementById(input.dataset.otpCheck);
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (!input.value.trim()) { out.textContent = ""; return; }
        post("otp-check", { key: input.value }).then((answer) => {
          out.textContent = answer.result === "ok" ? answer.data.text : answer.message;
          out.classList.toggle("field-error", answer.result !== "ok");
        }).catch(() => {});
      }, 300);
    });
  });

  // Test play: follow the test until it finishes.
  const result = document.getElementById("test-result");
  if (result && result.dataset.finished === "false") {
    const poll = () => getJson(`test-play?serial=${encodeURIComponent(result.dataset.serial)}`)
      .then((answer) => {
        if (answer.result !== "ok") return;
        result.textContent = answer.data.text;
        result.className = `banner ${answer.data.tone}`;
        if (!answer.data.finished) setTimeout(poll, 1500);
      });
    setTimeout(poll, 1500);
  }

  // Forms that open Amazon in a new tab: this tab follows once the bridge has moved on.
  const state = () => getJson("provision/state");
  // Load the setup page afresh at a step (or at the top, once a step is done and folds
  // away). Never reload: this page may be the answer to a form, which must not be sent twice.
  const reloadAt = (anchor) => {
    window.location.assign(`setup?t=${Date.now()}${anchor ? `#${anchor}` : ""}`);
  };
  const shown = document.getElementById("checklist")?.dataset.state;
  // The same state, whatever order its keys come in.
  const canonical = (o) => JSON.stringify(Object.keys(o || {}).sort().map((k) => [k, o[k]]));
  document.querySelectorAll("form[data-opens-tab]").forEach((form) => {
    form.addEventListener("submit", () => {
      // A value that cannot be right: send it in this tab, where its message will show.
      if (Array.from(form.elements).some((el) => el.willValidate && !el.checkValidity())) {
        form.removeAttribute("target");
        return;
      }
      const before = canonical(JSON.parse(shown || "null"));
      let tries = 0;
      const wait = () => state().then((answer) => {
        if (canonical(answer.data) !== before || ++tries > 60) reloadAt(`step-${form.dataset.opensTab}`);
        else setTimeout(wait, 500);
      }).catch(() => setTimeout(wait, 1000));
      setTimeout(wait, 300);
    });
  });

  // Skill setup: stream provisioning progress; reload when the run or self-test ends.
  const progress = document.getElementById("provision-progress");
  if (progress && progress.dataset.running === "true") {
    const log = document.getElementById("provision-log");
    // Polling: the run's log so far (the watch below reloads the page when the run ends).
    const readLog = () => fetch("provision/log", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : log.textContent))
      .then((text) => { log.textContent = text; }).catch(() => {});
    const stop = liveEvents(progress.dataset.events, { progress: (message) => {
      const line = JSON.parse(message.data);
      if (line.level === "done") { stop(); reloadAt("step-skill"); return; }
      const time = document.createElement("time");
      time.dataset.epoch = line.time;
      log.append(time, `  ${line.level.toUpperCase()}  [${line.step}] ${line.text}\n`);
      showTimes(log);
    } }, readLog, 3000);
    const watch = () => state().then((answer) => {
      if (answer.result === "ok" && !answer.data.running) reloadAt("step-skill");
      else setTimeout(watch, 3000);
    }).catch(() => setTimeout(watch, 3000));
    setTimeout(watch, 3000);
  }

  // Developer authorization through the public callback: reload once Amazon came back.
  if (document.querySelector("[data-wait-developer]")) {
    const wait = () => state().then((answer) => {
      if (answer.result === "ok" && answer.data.authorized) reloadAt(null);
      else setTimeout(wait, 1000);
    }).catch(() => setTimeout(wait, 2000));
    setTimeout(wait, 1000);
  }

  // Status: update the table in place while the page is open.
  const live = document.getElementById("status-live");
  if (live) {
    const refresh = () => fetch(window.location.href, { credentials: "same-origin" })
      .then((r) => r.text())
      .then((html) => {
        const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("status-live");
        if (fresh) {
          live.replaceChildren(...fresh.childNodes);
          showTimes(live);
        }
      })
      .catch(() => {})
      .finally(() => setTimeout(refresh, Number(live.dataset.refresh) * 1000));
    setTimeout(refresh, Number(live.dataset.refresh) * 1000);
  }
})();
