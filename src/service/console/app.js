// The dbexport web console: sign-in, the list of exports, the "Export to
// Amazon S3" form, task details and cancellation. A plain client of the
// Query API (api.js); the access key lives in this tab's sessionStorage only.
// Pages are chosen by the URL fragment: #/exports, #/export/new,
// #/exports/<identifier>; without credentials every page shows the sign-in.

import * as api from "./api.js";
import { fieldForError } from "./fields.js";

const STORAGE_KEY = "dbexport.console.credentials";
const POLL_MS = 3000;           // list and details refresh while shown
const FULL_RELOAD_MS = 60000;   // the list is re-read whole this often
const PAGE_SIZE = 50;           // rows per page of the list
const ACTIVE = ["starting", "in_progress", "canceling"];

const $ = (id) => document.getElementById(id);

// ---- Session ----

function loadCredentials() {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    return value && value.accessKeyId && value.secretAccessKey && value.region ? value : null;
  } catch {
    return null;
  }
}

let credentials = loadCredentials();

function announce(text) {
  const live = $("live");
  live.textContent = "";
  // A new text node after a tick, so that repeated messages are read again.
  setTimeout(() => { live.textContent = text; }, 50);
}

// ---- Formatting ----

function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    timeZoneName: "short",
  });
}

function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

// TotalExtractedDataInGB is whole gigabytes, rounded down.
function formatGb(task) {
  const gb = task.extractedGb ?? 0;
  return gb === 0 && task.status !== "STARTING" ? "under 1 GB" : `${gb} GB`;
}

function formatNumber(n) {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

function clusterName(arn) {
  return arn.slice(arn.lastIndexOf(":") + 1);
}

function location(task) {
  const prefix = task.prefix.replace(/^\/+|\/+$/g, "");
  return `s3://${task.bucket}/${prefix ? prefix + "/" : ""}${task.id}/`;
}

function statusLabel(status) {
  const text = status.toLowerCase().replace("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function statusBadge(status) {
  return el("span", { class: `badge status-${status.toLowerCase()}`, text: statusLabel(status) });
}

function showError(id, error) {
  const node = $(id);
  if (!error) {
    node.hidden = true;
    node.textContent = "";
    return;
  }
  node.textContent = error.code && error.code !== "NetworkError" ? `${error.message} (${error.code})` : error.message;
  node.hidden = false;
}

// ---- Routing ----

let stopPage = () => {};

function route() {
  stopPage();
  stopPage = () => {};
  for (const page of document.querySelectorAll(".page")) page.hidden = true;
  $("loading").hidden = true;
  $("session").hidden = !credentials;
  if (!credentials) {
    showSignIn();
    return;
  }
  $("session-key").textContent = credentials.accessKeyId;
  const hash = location_hash();
  if (hash === "#/export/new") {
    showNewExport();
  } else if (hash.startsWith("#/exports/")) {
    showDetails(decodeURIComponent(hash.slice("#/exports/".length)));
  } else {
    showExports();
  }
}

function location_hash() {
  return window.location.hash || "#/exports";
}

function showPage(id, focusTitle) {
  const page = $(id);
  page.hidden = false;
  if (focusTitle) {
    // Moves focus to the new page's heading so screen readers and keyboards follow the navigation.
    const title = page.querySelector("h1");
    title.setAttribute("tabindex", "-1");
    title.focus({ preventScroll: true });
  }
}

let navigated = false;

// ---- Sign in ----

async function showSignIn() {
  showPage("page-signin", false);
  document.title = "Sign in · dbexport console";
  if (!$("signin-region").value) {
    try {
      const response = await fetch("config.json", { cache: "no-store" });
      const config = await response.json();
      if (!$("signin-region").value) $("signin-region").value = config.region || "";
    } catch {
      // The user types the region.
    }
  }
  $("signin-key").focus();
}

async function signIn(event) {
  event.preventDefault();
  const candidate = {
    accessKeyId: $("signin-key").value.trim(),
    secretAccessKey: $("signin-secret").value,
    region: $("signin-region").value.trim(),
  };
  if (!candidate.accessKeyId || !candidate.secretAccessKey || !candidate.region) {
    showError("signin-error", { message: "Enter the access key ID, the secret access key and the region." });
    return;
  }
  const button = $("signin-submit");
  button.disabled = true;
  showError("signin-error", null);
  try {
    // Checks the key with a harmless signed call before keeping it.
    await api.describeDBClusters(candidate);
    credentials = candidate;
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(candidate));
    $("signin-secret").value = "";
    announce(`Signed in as ${candidate.accessKeyId}.`);
    if (!window.location.hash || window.location.hash === "#/signin") window.location.hash = "#/exports";
    else route();
  } catch (error) {
    const refused = ["InvalidClientTokenId", "SignatureDoesNotMatch"].includes(error.code);
    showError("signin-error", refused
      ? { message: "The service refused this access key ID and secret access key. Check both and try again.", code: error.code }
      : error);
    $("signin-secret").focus();
  } finally {
    button.disabled = false;
  }
}

function signOut() {
  sessionStorage.removeItem(STORAGE_KEY);
  credentials = null;
  clusters = null;
  announce("Signed out.");
  window.location.hash = "#/signin";
  route();
}

// Any call refused for its credentials ends the session.
async function guarded(promise) {
  try {
    return await promise;
  } catch (error) {
    if (["InvalidClientTokenId", "SignatureDoesNotMatch", "MissingAuthenticationToken"].includes(error.code)) {
      signOut();
      showError("signin-error", { message: "The service no longer accepts your access key; sign in again.", code: error.code });
    }
    throw error;
  }
}

// ---- Clusters (for the form and the source filter) ----

let clusters = null;

async function loadClusters() {
  if (!clusters) clusters = await guarded(api.describeDBClusters(credentials));
  return clusters;
}

function fillSourceFilter() {
  const select = $("filter-source");
  if (select.options.length > 1 || !clusters) return;
  for (const cluster of clusters) select.append(el("option", { value: cluster.arn, text: cluster.id }));
}

// ---- Exports list ----

// Every task the filters select, by identifier, with the order in which it was
// first seen (the service lists oldest first, so a later one is newer).
let tasks = new Map();
let nextOrder = 0;
let page = 0;
let loadedFilters = "";

function currentFilters() {
  const filters = {};
  const status = $("filter-status").value;
  const source = $("filter-source").value;
  const bucket = $("filter-bucket").value.trim();
  const id = $("filter-id").value.trim();
  if (status) filters.status = [status];
  if (source) filters["source-arn"] = [source];
  if (bucket) filters["s3-bucket"] = [bucket];
  if (id) filters["export-task-identifier"] = [id];
  return filters;
}

function remember(task) {
  const known = tasks.get(task.id);
  tasks.set(task.id, { ...task, order: known ? known.order : nextOrder++ });
  if (known && known.status !== task.status) announce(`Export ${task.id} is now ${statusLabel(task.status).toLowerCase()}.`);
}

async function fullLoad(filters) {
  const list = await guarded(api.describeAllExportTasks(credentials, filters));
  const fresh = new Map();
  const previous = tasks;
  tasks = fresh;
  nextOrder = 0;
  for (const task of list) {
    const known = previous.get(task.id);
    if (known && known.status !== task.status) announce(`Export ${task.id} is now ${statusLabel(task.status).toLowerCase()}.`);
    fresh.set(task.id, { ...task, order: nextOrder++ });
  }
}

// A poll reads only the tasks still running (few), and re-reads one by one
// those that were running and are not anymore.
async function pollActive(filters) {
  const { status, ...others } = filters;
  const active = await guarded(api.describeAllExportTasks(credentials, { ...others, status: ACTIVE }));
  const seen = new Set();
  for (const task of active) {
    seen.add(task.id);
    remember(task);
  }
  for (const task of [...tasks.values()]) {
    if (ACTIVE.includes(task.status.toLowerCase()) && !seen.has(task.id)) {
      try {
        remember(await api.describeExportTask(credentials, task.id));
      } catch (error) {
        if (error.code === "ExportTaskNotFound") tasks.delete(task.id);
        else throw error;
      }
    }
  }
}

function visibleTasks(filters) {
  const wanted = filters.status ? filters.status[0] : null;
  return [...tasks.values()]
    .filter((task) => !wanted || task.status.toLowerCase() === wanted)
    .sort((a, b) => b.order - a.order);
}

function renderExports() {
  const filters = currentFilters();
  const list = visibleTasks(filters);
  const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
  page = Math.min(page, pages - 1);
  const shown = list.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const body = $("exports-body");
  const rows = shown.map((task) => {
    const link = el("a", { href: `#/exports/${encodeURIComponent(task.id)}`, text: task.id });
    const progress = el("progress", { max: "100", value: String(task.progress ?? 0), "aria-label": `Progress of ${task.id}` });
    const cell = (label, ...content) => el("td", { "data-label": label }, ...content);
    const actions = el("td", { class: "row-actions" });
    if (["STARTING", "IN_PROGRESS"].includes(task.status)) {
      const button = el("button", { type: "button", class: "button danger small", "data-cancel": task.id,
        "aria-label": `Cancel export ${task.id}`, text: "Cancel" });
      actions.append(button);
    }
    return el("tr", { "data-task": task.id },
      cell("Export identifier", link),
      cell("Source cluster", clusterName(task.sourceArn)),
      cell("S3 bucket and prefix", el("span", { class: "mono", text: location(task) })),
      cell("Status", statusBadge(task.status)),
      cell("Progress", progress, ` ${task.progress ?? 0}%`),
      cell("Snapshot time", formatTime(task.snapshotTime)),
      cell("Started", formatTime(task.startTime)),
      cell("Ended", formatTime(task.endTime)),
      cell("Size", formatGb(task)),
      actions);
  });
  body.replaceChildren(...rows);
  if (list.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: "10", class: "empty", text: "No exports match." })));
  }
  $("exports-summary").textContent =
    `${list.length} export${list.length === 1 ? "" : "s"}, newest first; refreshed ${new Date().toLocaleTimeString()}.`;
  $("page-info").textContent = `Page ${page + 1} of ${pages}`;
  $("page-prev").disabled = page === 0;
  $("page-next").disabled = page >= pages - 1;
}

function showExports() {
  showPage("page-exports", navigated);
  document.title = "Exports · dbexport console";
  let stopped = false;
  let timer = null;
  let lastFull = 0;
  const tick = async () => {
    if (stopped) return;
    const filters = currentFilters();
    const key = JSON.stringify(filters);
    try {
      if (key !== loadedFilters || Date.now() - lastFull > FULL_RELOAD_MS) {
        await fullLoad(filters);
        loadedFilters = key;
        lastFull = Date.now();
      } else {
        await pollActive(filters);
      }
      if (stopped) return;
      showError("exports-error", null);
      renderExports();
    } catch (error) {
      if (!stopped && credentials) showError("exports-error", error);
    }
    if (!stopped && credentials) timer = setTimeout(tick, POLL_MS);
  };
  loadedFilters = "";
  tick();
  loadClusters().then(fillSourceFilter).catch(() => {});
  stopPage = () => {
    stopped = true;
    clearTimeout(timer);
  };
  refreshList = () => {
    clearTimeout(timer);
    page = 0;
    loadedFilters = "";
    tick();
  };
}

let refreshList = () => {};

// ---- Export form ----

const FIELD_INPUTS = {
  identifier: "export-id",
  cluster: "export-cluster",
  exportonly: "export-only",
  bucket: "export-bucket",
  prefix: "export-prefix",
  role: "export-role",
  kms: "export-kms",
};
const FIELD_ERRORS = {
  identifier: "export-id-error",
  cluster: "export-cluster-error",
  exportonly: "export-only-error",
  bucket: "export-bucket-error",
  prefix: "export-prefix-error",
  role: "export-role-error",
  kms: "export-kms-error",
};

function clearFieldErrors() {
  for (const field of Object.keys(FIELD_INPUTS)) {
    $(FIELD_ERRORS[field]).hidden = true;
    $(FIELD_ERRORS[field]).textContent = "";
    $(FIELD_INPUTS[field]).removeAttribute("aria-invalid");
  }
  showError("export-error", null);
}

function setFieldError(field, text) {
  const error = $(FIELD_ERRORS[field]);
  error.textContent = text;
  error.hidden = false;
  const input = $(field === "exportonly" && $("export-only-box").hidden ? "export-scope-partial" : FIELD_INPUTS[field]);
  input.setAttribute("aria-invalid", "true");
  return input;
}

async function showNewExport() {
  showPage("page-new", navigated);
  document.title = "Export to Amazon S3 · dbexport console";
  clearFieldErrors();
  const select = $("export-cluster");
  try {
    const list = await loadClusters();
    if (select.options.length === 0) {
      for (const cluster of list) {
        select.append(el("option", { value: cluster.arn, text: `${cluster.id} (${cluster.engine})` }));
      }
    }
  } catch (error) {
    showError("export-error", error);
  }
}

function exportOnlyList() {
  return $("export-only").value.split(/[\s,]+/).filter(Boolean);
}

async function submitExport(event) {
  event.preventDefault();
  clearFieldErrors();
  const partial = $("export-scope-partial").checked;
  const request = {
    id: $("export-id").value.trim(),
    sourceArn: $("export-cluster").value,
    bucket: $("export-bucket").value.trim(),
    prefix: $("export-prefix").value.trim(),
    iamRoleArn: $("export-role").value.trim(),
    kmsKeyId: $("export-kms").value.trim(),
    exportOnly: partial ? exportOnlyList() : [],
  };
  // Empty required fields are caught here; everything else the service checks.
  const missing = [];
  if (!request.id) missing.push(["identifier", "Enter an export identifier."]);
  if (!request.sourceArn) missing.push(["cluster", "Choose the DB cluster to export."]);
  if (partial && request.exportOnly.length === 0) missing.push(["exportonly", "List at least one database, schema or table, or choose All."]);
  if (!request.bucket) missing.push(["bucket", "Enter the S3 bucket to export to."]);
  if (!request.iamRoleArn) missing.push(["role", "Enter the ARN of the IAM role that writes to the bucket."]);
  if (!request.kmsKeyId) missing.push(["kms", "Enter the AWS KMS key that encrypts the export."]);
  if (missing.length) {
    const inputs = missing.map(([field, text]) => setFieldError(field, text));
    inputs[0].focus();
    announce(`${missing.length} field${missing.length === 1 ? " needs" : "s need"} attention.`);
    return;
  }
  const button = $("export-submit");
  button.disabled = true;
  try {
    const task = await guarded(api.startExportTask(credentials, request));
    announce(`Export ${task.id} started.`);
    $("export-form").reset();
    $("export-only-box").hidden = true;
    window.location.hash = `#/exports/${encodeURIComponent(task.id)}`;
  } catch (error) {
    const field = fieldForError(error.code, error.message);
    if (field) {
      setFieldError(field, `${error.message} (${error.code})`).focus();
    } else {
      showError("export-error", error);
      $("export-error").focus?.();
    }
    announce(`The export was not started: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

// ---- Task details ----

function renderWarnings(text) {
  const box = $("details-warnings");
  const body = $("details-warnings-body");
  if (!text) {
    box.hidden = true;
    body.replaceChildren();
    return;
  }
  box.hidden = false;
  let parsed = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    body.replaceChildren(el("pre", { class: "mono", text }));
    return;
  }
  const sections = [
    ["skippedTables", "Skipped tables"],
    ["skippedObjectives", "ExportOnly entries that matched nothing"],
    ["general", "Other warnings"],
  ];
  const parts = [];
  for (const [key, title] of sections) {
    const entries = Array.isArray(parsed[key]) ? parsed[key] : [];
    if (entries.length === 0) continue;
    const columns = [...new Set(entries.flatMap((entry) => Object.keys(entry)))];
    const ordered = ["target", "reason", ...columns.filter((c) => c !== "target" && c !== "reason")]
      .filter((c) => columns.includes(c));
    const headerText = { target: "Table", reason: "Reason" };
    parts.push(el("h3", { text: title }));
    parts.push(el("div", { class: "table-wrap" }, el("table", { class: "tasks warnings", "aria-label": title },
      el("thead", {}, el("tr", {}, ...ordered.map((c) => el("th", { scope: "col", text: headerText[c] || c })))),
      el("tbody", {}, ...entries.map((entry) => el("tr", {}, ...ordered.map((c) => el("td", {
        "data-label": headerText[c] || c,
        text: typeof entry[c] === "string" ? entry[c] : JSON.stringify(entry[c] ?? ""),
      }))))))));
  }
  if (parts.length === 0) parts.push(el("pre", { class: "mono", text }));
  body.replaceChildren(...parts);
}

function renderTaskFields(task) {
  const fields = [
    ["Status", statusBadge(task.status)],
    ["Progress", `${task.progress ?? 0}%`],
    ["Source cluster", clusterName(task.sourceArn)],
    ["Source ARN", el("span", { class: "mono", text: task.sourceArn })],
    ["Exported data", task.exportOnly.length ? task.exportOnly.join(", ") : "All"],
    ["S3 location", el("span", { class: "mono", id: "details-location", text: location(task) })],
    ["IAM role", el("span", { class: "mono", text: task.iamRoleArn })],
    ["AWS KMS key", el("span", { class: "mono", text: task.kmsKeyId })],
    ["Snapshot time", formatTime(task.snapshotTime)],
    ["Started", formatTime(task.startTime)],
    ["Ended", formatTime(task.endTime)],
    ["Data extracted", formatGb(task)],
  ];
  $("details-fields").replaceChildren(...fields.flatMap(([name, value]) => [
    el("dt", { text: name }),
    el("dd", { "data-field": name }, value),
  ]));
}

function renderTables(result) {
  const table = $("tables-table");
  table.hidden = false;
  const files = result.tables.reduce((sum, t) => sum + (t.files ?? 0), 0);
  const size = result.tables.reduce((sum, t) => sum + (t.sizeBytes ?? 0), 0);
  $("tables-note").textContent = `${result.tables.length} table${result.tables.length === 1 ? "" : "s"}, ` +
    `${formatNumber(files)} Parquet file${files === 1 ? "" : "s"}, ${formatBytes(size)}, ` +
    `from the manifests at ${result.location}`;
  $("tables-body").replaceChildren(...result.tables.map((t) => {
    const cell = (label, value) => el("td", { "data-label": label }, value);
    const partitions = t.partitions === null ? "—" : `${formatNumber(t.completedPartitions)} of ${formatNumber(t.partitions)}` +
      (t.constraintType ? ` (${t.constraintType})` : "");
    return el("tr", { "data-table": t.target },
      cell("Table", el("span", { class: "mono", text: t.target })),
      cell("Status", statusBadge(t.status)),
      cell("Rows", formatNumber(t.rows)),
      cell("Files", formatNumber(t.files)),
      cell("Size", formatBytes(t.sizeBytes)),
      cell("Partitions", partitions),
      cell("Note", t.failureCause || t.reason || ""));
  }));
}

function showDetails(id) {
  showPage("page-details", navigated);
  document.title = `${id} · dbexport console`;
  $("details-title").textContent = id;
  $("details-fields").replaceChildren();
  $("details-failure").hidden = true;
  $("details-cancel").hidden = true;
  $("tables-table").hidden = true;
  $("tables-body").replaceChildren();
  $("tables-note").textContent = "Loading…";
  renderWarnings("");
  showError("details-error", null);
  let stopped = false;
  let timer = null;
  let lastStatus = null;
  let tablesLoaded = false;
  const tick = async () => {
    if (stopped) return;
    try {
      const task = await guarded(api.describeExportTask(credentials, id));
      if (stopped) return;
      if (lastStatus && lastStatus !== task.status) announce(`Export ${id} is now ${statusLabel(task.status).toLowerCase()}.`);
      lastStatus = task.status;
      renderTaskFields(task);
      $("details-failure").hidden = !task.failureCause;
      $("details-failure-text").textContent = task.failureCause;
      $("details-cancel").hidden = !["STARTING", "IN_PROGRESS"].includes(task.status);
      $("details-cancel").dataset.cancel = task.id;
      renderWarnings(task.warningMessage);
      showError("details-error", null);
      const active = ACTIVE.includes(task.status.toLowerCase());
      if (!tablesLoaded) {
        if (active) {
          $("tables-note").textContent = "The per-table status is written when the export ends.";
        } else {
          try {
            renderTables(await guarded(api.describeExportTaskTables(credentials, id)));
            tablesLoaded = true;
          } catch (error) {
            $("tables-note").textContent = error.message;
            tablesLoaded = true;
          }
        }
      }
      if (!active) return;
    } catch (error) {
      if (stopped || !credentials) return;
      showError("details-error", error);
      if (error.code === "ExportTaskNotFound") return;
    }
    if (!stopped) timer = setTimeout(tick, POLL_MS);
  };
  tick();
  stopPage = () => {
    stopped = true;
    clearTimeout(timer);
  };
  refreshDetails = () => {
    clearTimeout(timer);
    tick();
  };
}

let refreshDetails = () => {};

// ---- Cancel ----

let returnFocus = null;

function askCancel(id, opener) {
  const dialog = $("cancel-dialog");
  $("cancel-name").textContent = id;
  $("cancel-confirm").setAttribute("aria-label", `Cancel export ${id}`);
  dialog.dataset.task = id;
  dialog.returnValue = "";
  returnFocus = opener;
  dialog.showModal();
  $("cancel-keep").focus();
}

async function cancelClosed() {
  const dialog = $("cancel-dialog");
  const id = dialog.dataset.task;
  const confirmed = dialog.returnValue === "cancel";
  if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
  if (!confirmed) return;
  try {
    const task = await guarded(api.cancelExportTask(credentials, id));
    announce(`Export ${id} is ${statusLabel(task.status).toLowerCase()}.`);
  } catch (error) {
    announce(`Export ${id} was not canceled: ${error.message}`);
    const target = $("page-details").hidden ? "exports-error" : "details-error";
    showError(target, error);
  }
  if (!$("page-details").hidden) refreshDetails();
  else refreshList();
}

// ---- Start ----

function init() {
  $("signin-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refreshList();
  });
  $("filter-status").addEventListener("change", () => refreshList());
  $("filter-source").addEventListener("change", () => refreshList());
  $("page-prev").addEventListener("click", () => { page -= 1; renderExports(); });
  $("page-next").addEventListener("click", () => { page += 1; renderExports(); });
  $("exports-body").addEventListener("click", (event) => {
    const button = event.target.closest("[data-cancel]");
    if (button) askCancel(button.dataset.cancel, button);
  });
  $("details-cancel").addEventListener("click", (event) => askCancel(event.currentTarget.dataset.cancel, event.currentTarget));
  $("cancel-dialog").addEventListener("close", cancelClosed);
  for (const radio of document.querySelectorAll("input[name=scope]")) {
    radio.addEventListener("change", () => {
      $("export-only-box").hidden = !$("export-scope-partial").checked;
    });
  }
  $("export-form").addEventListener("submit", submitExport);
  window.addEventListener("hashchange", () => {
    navigated = true;
    route();
  });
  route();
}

init();
