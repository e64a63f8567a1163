// Panel behaviour: local times, live activity (server-sent events), filters,
// the authenticator key check and test-play progress. Every URL is relative
// so the panel works under Home Assistant's ingress prefix.
"use strict";
(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const showTimes = (root) => root.querySelectorAll("time[data-epoch]").forEach((el) => {
    const when = new Date(Number(el.dataset.epoch) * 1000);
    el.dateTime = when.toISOString();
    el.textContent = when.toLocaleString();
  });
  showTimes(document);

  const post = (url, body) => fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: JSON.stringify(body),
    credentials: "same-origin",
  }).then((r) => r.json());

  // Live views follow server-sent events. Home Assistant's ingress before 2026.2 compresses
  // text/event-stream, so nothing arrives there, not even the stream's "ready" event: when it
  // has not come within a few seconds, close the stream and poll instead.
  const live = (url, handlers, poll, every) => {
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
    live(table.dataset.events, { activity: (message) => {
      const entry = JSON.parse(message.data);
      const row = body.insertRow(0);
      row.dataset.kind = entry.kind;
      if (!entry.ok) row.className = "failed";
      const time = document.createElement("time");
      time.dataset.epoch = entry.time;
      cell(row, "").appendChild(time);
      [entry.kind, entry.device, entry.type, entry.result].forEach((v) => cell(row, v));
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
          out.classList.toggle("error", answer.result !== "ok");
        }).catch(() => {});
      }, 300);
    });
  });

  // Test play: follow the test until it finishes.
  const result = document.getElementById("test-result");
  if (result && result.dataset.finished === "false") {
    const poll = () => fetch(`test-play?serial=${encodeURIComponent(result.dataset.serial)}`, { credentials: "same-origin" })
      .then((r) => r.json())
      .then((answer) => {
        if (answer.result !== "ok") return;
        result.textContent = answer.data.text;
        result.className = `banner ${answer.data.tone}`;
        if (!answer.data.finished) setTimeout(poll, 1500);
      });
    setTimeout(poll, 1500);
  }

  // Skill setup: stream provisioning progress; reload when the run or self-test ends.
  const state = () => fetch("provision/state", { credentials: "same-origin" }).then((r) => r.json());
  const progress = document.getElementById("provision-progress");
  if (progress && progress.dataset.running === "true") {
    const log = document.getElementById("provision-log");
    // Polling: the run's log so far (the watch below reloads the page when the run ends).
    const readLog = () => fetch("provision/log", { credentials: "same-origin" })
      .then((r) => (r.ok ? r.text() : log.textContent))
      .then((text) => { log.textContent = text; }).catch(() => {});
    const stop = live(progress.dataset.events, { progress: (message) => {
      const line = JSON.parse(message.data);
      if (line.level === "done") { stop(); window.location.reload(); return; }
      log.textContent += `${line.line}\n`;
    } }, readLog, 3000);
    const watch = () => state().then((answer) => {
      if (answer.result === "ok" && !answer.data.running) window.location.reload();
      else setTimeout(watch, 3000);
    }).catch(() => setTimeout(watch, 3000));
    setTimeout(watch, 3000);
  }

  // Developer authorization through the public callback: reload once Amazon came back.
  if (document.querySelector("[data-wait-developer]")) {
    const wait = () => state().then((answer) => {
      if (answer.result === "ok" && answer.data.authorized) window.location.reload();
      else setTimeout(wait, 2000);
    }).catch(() => setTimeout(wait, 2000));
    setTimeout(wait, 2000);
  }

  // Status: refresh while open.
  const status = document.querySelector("table[data-refresh]");
  if (status) setTimeout(() => window.location.reload(), Number(status.dataset.refresh) * 1000);

  // Copy buttons next to values to enter elsewhere (Music Assistant's provider settings).
  document.querySelectorAll("button.copy[data-copy]").forEach((button) => {
    button.addEventListener("click", () => {
      const source = document.getElementById(button.dataset.copy);
      if (!source) return;
      const text = source.textContent.trim();
      const done = () => { button.dataset.copied = "true"; };
      const fallback = () => {
        const range = document.createRange();
        range.selectNodeContents(source);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        if (document.execCommand("copy")) done();
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
