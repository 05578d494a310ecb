// authport's sign-up / log-in page. No dependencies, no inline script (the CSP forbids it).
// Tokens live only in this closure's memory: never in localStorage, sessionStorage or cookies.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  let session = null; // { accessToken, email } while logged in
  let policy = null;

  // ---- messages -------------------------------------------------------------------------
  // One message at a time, in the status box next to what it is about: #status at the top, or
  // the box of a form of the logged-in view (which is taller than a screen).
  const boxes = ["status", "change-status", "delete-status"];

  function clearStatus(id) {
    const box = $(id);
    box.hidden = true;
    box.replaceChildren();
    box.dataset.code = "";
  }

  function show(kind, text, items, where) {
    const id = where || "status";
    for (const other of boxes) if (other !== id) clearStatus(other);
    const box = $(id);
    box.replaceChildren();
    box.classList.remove("ok", "error");
    box.classList.add(kind);
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
    box.scrollIntoView({ block: "nearest" });
  }

  // One clear message per stable problem `code`; data-code lets tests (and styles) tell them apart.
  // `context.box` is where it shows (#status by default); `context.messages` may reword some
  // codes for the form at hand (e.g. when there is no e-mail address to get wrong).
  function showProblem(problem, retryAfter, context) {
    const code = (problem && problem.code) || "unknown";
    const own = context && context.messages && context.messages[code];
    const [text, items] = own ? [own] : problemMessage(code, problem, retryAfter);
    const id = (context && context.box) || "status";
    show("error", text, items, id);
    $(id).dataset.code = code;
  }

  function problemMessage(code, problem, retryAfter) {
    switch (code) {
      case "user_exists":
        return ["An account with this e-mail address already exists. Log in instead, or use another address."];
      case "weak_password":
        return ["This password is too weak. It must meet every rule:",
          (problem.violations || []).map((v) => v.detail)];
      case "invalid_email":
        return ["That is not a valid e-mail address."];
      case "invalid_credentials":
        return ["The e-mail address or password is incorrect."];
      case "too_many_requests":
        return ["Too many attempts. Please wait " + (retryAfter || "a few") + " seconds and try again."];
      case "backend_unavailable":
        return ["The sign-in service is unavailable right now. Please try again in a moment."];
      case "password_change_required":
        return ["This account must choose a new password before it can log in (POST /v1/login/new-password)."];
      case "invalid_token":
        return ["Your session has expired. Please log in again."];
      default:
        return [(problem && problem.detail) || "Something went wrong. Please try again."];
    }
  }

  // ---- API ------------------------------------------------------------------------------
  // The answer's JSON (`{}` for a 204), or null once the problem is shown (see showProblem).
  async function api(method, path, body, token, context) {
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
      const id = (context && context.box) || "status";
      show("error", "Could not reach the server. Check your connection and try again.", null, id);
      $(id).dataset.code = "network";
      return null;
    }
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    if (!response.ok) {
      showProblem(data, response.headers.get("Retry-After"), context);
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

  // Each password field that gets hints, with the list that shows them.
  const hinted = [
    { input: "signup-password", intro: "policy-intro", rules: "policy-rules" },
    { input: "change-new", intro: "change-policy-intro", rules: "change-policy-rules" },
  ];

  function renderPolicy() {
    for (const field of hinted) renderHints($(field.input).value, $(field.rules));
  }

  function renderHints(value, ul) {
    if (!policy) return;
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
      for (const field of hinted) {
        $(field.rules).replaceChildren();
        $(field.intro).textContent = "The password policy could not be loaded; the server will check the password.";
      }
    }
  }

  // ---- views ----------------------------------------------------------------------------
  function showSession(me) {
    $("who").textContent = me.email;
    $("delete-who").textContent = me.email;
    $("change-username").value = me.email;
    resetAccountForms();
    $("forms").hidden = true;
    $("session").hidden = false;
    $("logout").focus();
  }

  function showForms() {
    $("session").hidden = true;
    $("forms").hidden = false;
    $("who").textContent = "";
    $("delete-who").textContent = "";
    $("change-username").value = "";
    resetAccountForms();
  }

  // No password lingers in the page once it is not needed.
  function resetAccountForms() {
    $("change-current").value = "";
    $("change-new").value = "";
    renderPolicy();
    clearStatus("change-status");
    closeDelete();
  }

  function openDelete() {
    $("delete-form").hidden = false;
    $("delete-start").hidden = true;
    $("delete-start").setAttribute("aria-expanded", "true");
    $("delete-password").focus();
  }

  function closeDelete() {
    $("delete-password").value = "";
    clearStatus("delete-status");
    $("delete-form").hidden = true;
    $("delete-start").hidden = false;
    $("delete-start").setAttribute("aria-expanded", "false");
  }

  // An expired or revoked access token ends the session here too, with the message at the top.
  function sessionLost(box) {
    if ($(box).dataset.code !== "invalid_token") return false;
    session = null;
    showForms();
    showProblem({ code: "invalid_token" });
    $("login-email").focus();
    return true;
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
      session = { accessToken: tokens.access_token, email: null };
      const me = await api("GET", "/v1/me", undefined, session.accessToken);
      if (!me) { session = null; return; }
      session.email = me.email;
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

  $("change-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!session) return;
    busy($("change-submit"), async () => {
      const current = session;
      const tokens = await api("POST", "/v1/password", {
        current_password: $("change-current").value, new_password: $("change-new").value,
      }, current.accessToken, { box: "change-status", messages: {
        invalid_credentials: "The current password is incorrect. Your password has not been changed.",
      } });
      if (session !== current) return; // logged out meanwhile
      if (!tokens) {
        if (sessionLost("change-status")) return;
        const code = $("change-status").dataset.code;
        // The field to fix, without scrolling the message away.
        if (code === "invalid_credentials") $("change-current").focus({ preventScroll: true });
        else if (code === "weak_password") $("change-new").focus({ preventScroll: true });
        return;
      }
      // The old token set is replaced by the fresh one: this page stays logged in.
      current.accessToken = tokens.access_token;
      $("change-current").value = "";
      $("change-new").value = "";
      renderPolicy();
      show("ok", "Your password has been changed. You are still logged in here; "
        + "anywhere else, log in again with the new password.", null, "change-status");
    });
  });

  $("delete-start").addEventListener("click", openDelete);

  $("delete-cancel").addEventListener("click", () => {
    closeDelete();
    $("delete-start").focus();
  });

  $("delete-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!session) return;
    busy($("delete-confirm"), async () => {
      const current = session;
      const done = await api("DELETE", "/v1/me", { password: $("delete-password").value }, current.accessToken, {
        box: "delete-status",
        messages: { invalid_credentials: "The password is incorrect. Your account has not been deleted." },
      });
      if (session !== current && !done) return; // logged out meanwhile
      if (!done) {
        if (sessionLost("delete-status")) return;
        $("delete-password").value = "";
        $("delete-password").focus({ preventScroll: true });
        return;
      }
      session = null;
      showForms();
      show("ok", "Your account " + current.email + " has been deleted. You are logged out.");
      $("signup-email").focus();
    });
  });

  $("signup-password").addEventListener("input", renderPolicy);
  $("change-new").addEventListener("input", renderPolicy);
  loadPolicy();
})();
