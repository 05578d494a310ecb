// authport's sign-up / log-in page. No dependencies, no inline script (the CSP forbids it).
// Tokens live only in this closure's memory: never in localStorage, sessionStorage or cookies.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let session = null; // { accessToken } while logged in
  let policy = null;

  // ---- messages -------------------------------------------------------------------------
  function show(kind, text, items) {
    const box = $("status");
    box.replaceChildren();
    box.className = "status " + kind;
    box.setAttribute("role", kind === "error" ? "alert" : "status");
    const p = document.createElement("p");
    p.textContent = text;
    box.append(p);
    if (items && items.length) {
      const ul = document.createElement("ul");
      for (const item of items) {
        const li = document.createElement("li");
        li.textContent = item;
        ul.append(li);
      }
      box.append(ul);
    }
    box.hidden = false;
    box.dataset.code = "";
  }

  // One clear message per stable problem `code`; data-code lets tests (and styles) tell them apart.
  function showProblem(problem, retryAfter) {
    const code = (problem && problem.code) || "unknown";
    problemMessage(code, problem, retryAfter);
    $("status").dataset.code = code;
  }

  function problemMessage(code, problem, retryAfter) {
    switch (code) {
      case "user_exists":
        return show("error", "An account with this e-mail address already exists. Log in instead, or use another address.");
      case "weak_password":
        return show("error", "This password is too weak. It must meet every rule:",
          (problem.violations || []).map((v) => v.detail));
      case "invalid_email":
        return show("error", "That is not a valid e-mail address.");
      case "invalid_credentials":
        return show("error", "The e-mail address or password is incorrect.");
      case "too_many_requests":
        return show("error", "Too many attempts. Please wait " + (retryAfter || "a few") + " seconds and try again.");
      case "backend_unavailable":
        return show("error", "The sign-in service is unavailable right now. Please try again in a moment.");
      case "password_change_required":
        return show("error", "This account must choose a new password before it can log in (POST /v1/login/new-password).");
      case "invalid_token":
        return show("error", "Your session has expired. Please log in again.");
      default:
        return show("error", (problem && problem.detail) || "Something went wrong. Please try again.");
    }
  }

  // ---- API ------------------------------------------------------------------------------
  async function api(method, path, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers["Authorization"] = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "omit", cache: "no-store",
      });
    } catch (_) {
      show("error", "Could not reach the server. Check your connection and try again.");
      $("status").dataset.code = "network";
      return null;
    }
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    if (!response.ok) {
      showProblem(data, response.headers.get("Retry-After"));
      return null;
    }
    return data || {};
  }

  async function busy(button, work) {
    button.disabled = true;
    try { await work(); } finally { button.disabled = false; }
  }

  // ---- password policy hints -----------------------------------------------------------
  function rules(p) {
    const list = [
      { text: "be at least " + p.min_length + " characters long", ok: (s) => [...s].length >= p.min_length },
      { text: "be at most " + p.max_length + " characters long", ok: (s) => [...s].length <= p.max_length },
    ];
    if (p.require_lowercase) list.push({ text: "contain a lower-case letter (a–z)", ok: (s) => /[a-z]/.test(s) });
    if (p.require_uppercase) list.push({ text: "contain an upper-case letter (A–Z)", ok: (s) => /[A-Z]/.test(s) });
    if (p.require_digit) list.push({ text: "contain a digit (0–9)", ok: (s) => /[0-9]/.test(s) });
    if (p.require_symbol) {
      const symbols = p.symbols.replace(/ /g, "");
      list.push({
        text: "contain a symbol: one of " + symbols.split("").join(" ") + " or a space inside",
        ok: (s) => [...s.trim()].some((c) => p.symbols.includes(c)),
      });
    }
    list.push({ text: "not begin or end with white space", ok: (s) => s === "" || s.trim() === s });
    return list;
  }

  function renderPolicy() {
    const ul = $("policy-rules");
    if (!policy) return;
    const value = $("signup-password").value;
    ul.replaceChildren();
    for (const rule of rules(policy)) {
      const li = document.createElement("li");
      const met = value !== "" && rule.ok(value);
      li.textContent = rule.text;
      li.className = met ? "met" : "";
      if (met) li.setAttribute("aria-label", rule.text + " (met)");
      ul.append(li);
    }
  }

  async function loadPolicy() {
    try {
      const response = await fetch("/v1/password-policy", { cache: "no-store", credentials: "omit" });
      if (!response.ok) throw new Error("status " + response.status);
      policy = await response.json();
      renderPolicy();
    } catch (_) {
      $("policy-rules").replaceChildren();
      $("policy-intro").textContent = "The password policy could not be loaded; the server will check the password.";
    }
  }

  // ---- views ----------------------------------------------------------------------------
  function showSession(me) {
    $("who").textContent = me.email;
    $("forms").hidden = true;
    $("session").hidden = false;
    $("logout").focus();
  }

  function showForms() {
    $("session").hidden = true;
    $("forms").hidden = false;
    $("who").textContent = "";
  }

  // ---- actions --------------------------------------------------------------------------
  $("signup-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("signup-submit"), async () => {
      const email = $("signup-email").value;
      const created = await api("POST", "/v1/signup", { email, password: $("signup-password").value });
      if (!created) return;
      $("signup-password").value = "";
      renderPolicy();
      $("login-email").value = created.email;
      show("ok", "Account created for " + created.email + ". You can log in now.");
      $("login-password").focus();
    });
  });

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    busy($("login-submit"), async () => {
      const tokens = await api("POST", "/v1/login", {
        email: $("login-email").value, password: $("login-password").value,
      });
      $("login-password").value = "";
      if (!tokens) return;
      session = { accessToken: tokens.access_token };
      const me = await api("GET", "/v1/me", undefined, session.accessToken);
      if (!me) { session = null; return; }
      show("ok", "Logged in.");
      showSession(me);
    });
  });

  $("logout").addEventListener("click", () => {
    busy($("logout"), async () => {
      const token = session && session.accessToken;
      session = null; // forgotten whatever the server answers
      const done = token ? await api("POST", "/v1/logout", undefined, token) : {};
      showForms();
      if (done) show("ok", "You have been logged out.");
      $("login-email").focus();
    });
  });

  $("signup-password").addEventListener("input", renderPolicy);
  loadPolicy();
})();
