// The page of `nianbao serve`. It only talks to its own server's API: the findings and values
// come from POST /api/check (the JSON of `check --json`), the tables' layout from GET
// /api/tables (the format's own grids), the files from /api/build and /api/batch.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  // A server started with --token gives it in the page's address; every request carries it.
  const token = new URLSearchParams(location.search).get("token");
  const SEVERITIES = [
    ["error", "错误"],
    ["warning", "警告"],
    ["info", "提示"],
  ];
  const RANK = { info: 1, warning: 2, error: 3 };
  // How many places of a finding are listed before “另有 N 处”, as on the terminal (the server
  // puts its own number here).
  const SHOWN_LOCATIONS = /*SHOWN_LOCATIONS*/4;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children || []) node.append(c);
    return node;
  }

  function showMessage(text) {
    const box = $("message");
    box.textContent = text;
    box.hidden = !text;
  }

  async function api(path, options) {
    const headers = Object.assign({}, (options && options.headers) || {});
    if (token) headers["X-Nianbao-Token"] = token;
    let response;
    try {
      response = await fetch(path, Object.assign({}, options, { headers }));
    } catch (e) {
      throw new Error("无法连接 nianbao 服务：请确认 nianbao serve 仍在运行。");
    }
    return response;
  }

  async function errorOf(response) {
    try {
      const body = await response.json();
      return body["错误"] || "请求失败（" + response.status + "）";
    } catch (e) {
      return "请求失败（" + response.status + "）";
    }
  }

  // A location as the command line prints it (nianbao_model::Location's Display).
  function locationText(loc) {
    const parts = [];
    if (loc.file) parts.push(loc.file);
    if (loc.sheet) parts.push(loc.sheet);
    if (loc.cell) parts.push(loc.cell);
    if (loc.table) {
      parts.push(loc.table_cell
        ? "第" + loc.table + "个表格第" + loc.table_cell[0] + "行第" + loc.table_cell[1] + "列"
        : "第" + loc.table + "个表格");
    }
    if (loc.paragraph) parts.push("第" + loc.paragraph + "段");
    if (loc.line) parts.push("第" + loc.line + "行");
    if (loc.inferred) parts.push("由连写数字拆分");
    const place = parts.join(" › ");
    if (loc.label) return place ? place + "（" + loc.label + "）" : loc.label;
    return place;
  }

  function downloadBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  // The file name of a download, from its Content-Disposition (filename*=UTF-8''…).
  function fileNameOf(response, fallback) {
    const header = response.headers.get("Content-Disposition") || "";
    const match = /filename\*=UTF-8''([^;]+)/.exec(header);
    return match ? decodeURIComponent(match[1]) : fallback;
  }

  // ---- tabs ----
  const tabs = [$("tab-unit"), $("tab-batch")];
  function selectTab(tab) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute("aria-selected", String(selected));
      t.tabIndex = selected ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !selected;
    }
    showMessage("");
  }
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => selectTab(tab));
    tab.addEventListener("keydown", (e) => {
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        const next = tabs[(i + (e.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
        selectTab(next);
        next.focus();
      }
    });
  });

  // ---- files chosen or dropped; folders dropped are read with their relative paths ----
  function readEntry(entry, prefix, out) {
    return new Promise((resolve) => {
      if (entry.isFile) {
        entry.file((file) => { out.push({ file, path: prefix + file.name }); resolve(); }, () => resolve());
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        const all = [];
        const more = () => reader.readEntries(async (batch) => {
          if (!batch.length) {
            for (const child of all) await readEntry(child, prefix + entry.name + "/", out);
            resolve();
          } else {
            all.push(...batch);
            more();
          }
        }, () => resolve());
        more();
      } else {
        resolve();
      }
    });
  }

  async function droppedFiles(event) {
    const items = event.dataTransfer.items;
    const out = [];
    if (items && items.length && items[0].webkitGetAsEntry) {
      const entries = Array.from(items).map((i) => i.webkitGetAsEntry()).filter(Boolean);
      for (const entry of entries) await readEntry(entry, "", out);
    } else {
      for (const file of event.dataTransfer.files) out.push({ file, path: file.name });
    }
    return out;
  }

  function dropZone(zone, onFiles) {
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", async (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      onFiles(await droppedFiles(e));
    });
  }

  // ---- 本单位报告 ----
  let unitFiles = [];
  let layouts = {};
  let lastCheck = null;

  function renderUnitList() {
    const list = $("unit-list");
    list.replaceChildren();
    unitFiles.forEach((item, i) => {
      const remove = el("button", { type: "button", "aria-label": "移除 " + item.path, text: "移除" });
      remove.addEventListener("click", () => {
        unitFiles.splice(i, 1);
        renderUnitList();
      });
      list.append(el("li", {}, [el("span", { text: item.path }), remove]));
    });
  }

  function addUnitFiles(items) {
    for (const item of items) {
      if (!unitFiles.some((f) => f.path === item.path)) unitFiles.push(item);
    }
    renderUnitList();
    if (unitFiles.length) runCheck();
  }

  $("unit-files").addEventListener("change", (e) => {
    addUnitFiles(Array.from(e.target.files).map((file) => ({ file, path: file.name })));
    e.target.value = "";
  });
  dropZone($("unit-drop"), addUnitFiles);

  function unitForm(extra) {
    const form = new FormData();
    for (const item of unitFiles) form.append("files", item.file, item.path);
    const previous = $("unit-previous").files[0];
    if (previous) form.append("previous", previous, previous.name);
    const org = $("unit-org").value.trim();
    const year = $("unit-year").value.trim();
    if (org) form.append("org", org);
    if (year) form.append("year", year);
    form.append("format", $("unit-format").value);
    if ($("unit-blank-as-zero").checked) form.append("blank_as_zero", "1");
    for (const [k, v] of Object.entries(extra || {})) form.append(k, v);
    return form;
  }

  async function loadFormats() {
    const response = await api("/api/formats");
    if (!response.ok) {
      showMessage(await errorOf(response));
      return;
    }
    const { formats } = await response.json();
    const select = $("unit-format");
    select.replaceChildren(...formats.map((f) =>
      el("option", { value: f.id, text: f.name + "（" + f.id + "）" })));
    renderTables(await layoutOf(select.value), null);
  }

  async function layoutOf(formatId) {
    if (!layouts[formatId]) {
      const response = await api("/api/tables?format=" + encodeURIComponent(formatId));
      if (!response.ok) throw new Error(await errorOf(response));
      layouts[formatId] = await response.json();
    }
    return layouts[formatId];
  }

  async function runCheck() {
    if (!unitFiles.length) {
      showMessage("请先选择统计表和文稿（或已发布的报告）。");
      return;
    }
    showMessage("");
    $("unit-check").disabled = true;
    $("unit-check").textContent = "正在检查…";
    try {
      const response = await api("/api/check", { method: "POST", body: unitForm() });
      if (!response.ok) {
        lastCheck = null;
        $("unit-result").hidden = true;
        $("unit-docx").disabled = $("unit-xlsx").disabled = $("unit-pdf").disabled = true;
        showMessage(await errorOf(response));
        return;
      }
      lastCheck = await response.json();
      const layout = await layoutOf(lastCheck.format.id);
      renderResult(lastCheck);
      renderTables(layout, lastCheck);
      $("unit-docx").disabled = $("unit-xlsx").disabled = $("unit-pdf").disabled = false;
    } catch (e) {
      showMessage(e.message);
    } finally {
      $("unit-check").disabled = false;
      $("unit-check").textContent = "检查";
    }
  }

  $("unit-form").addEventListener("submit", (e) => {
    e.preventDefault();
    runCheck();
  });
  $("unit-format").addEventListener("change", async () => {
    if (unitFiles.length) {
      runCheck();
    } else {
      try {
        renderTables(await layoutOf($("unit-format").value), null);
      } catch (e) {
        showMessage(e.message);
      }
    }
  });
  $("unit-previous").addEventListener("change", () => {
    const file = $("unit-previous").files[0];
    $("unit-previous-name").textContent = file ? file.name : "未选择";
    $("unit-previous-clear").hidden = !file;
    if (unitFiles.length) runCheck();
  });
  $("unit-previous-clear").addEventListener("click", () => {
    $("unit-previous").value = "";
    $("unit-previous").dispatchEvent(new Event("change"));
  });

  function renderResult(check) {
    const report = check.report;
    $("unit-title").textContent = report.meta.org ? report.title : "（未填写机关名称）";
    $("unit-format-name").textContent = "格式：" + check.format.name + "（" + check.format.id + "）";
    const c = check.counts;
    const counts = $("unit-counts");
    counts.replaceChildren("检查结果：",
      el("span", { class: "n-error", text: "错误 " + c.errors + " 项" }), "，",
      el("span", { class: "n-warning", text: "警告 " + c.warnings + " 项" }), "，",
      el("span", { class: "n-info", text: "提示 " + c.infos + " 项" }));
    const box = $("unit-findings");
    box.replaceChildren();
    check.findings.forEach((f, index) => { f._index = index; });
    for (const [severity, label] of SEVERITIES) {
      const group = check.findings.filter((f) => f.severity === severity);
      if (!group.length) continue;
      const list = el("ol");
      for (const f of group) list.append(el("li", {}, [findingButton(f)]));
      box.append(el("section", { class: "group " + severity }, [
        el("h3", { text: label + "（" + group.length + "）" }), list]));
    }
    if (!check.findings.length) {
      box.append(el("p", { class: "muted", text: "没有发现问题，可以下载 DOCX 报送。" }));
    }
    $("unit-result").hidden = false;
  }

  // A finding as the command line prints it; on the unit page a button that marks its cells.
  function findingButton(f, interactive) {
    const parts = [el("span", { class: "rule", text: "[" + f.rule + "] " }), f.message];
    const locations = f.locations || [];
    for (const loc of locations.slice(0, SHOWN_LOCATIONS)) {
      parts.push(el("span", { class: "where", text: "位置：" + locationText(loc) }));
    }
    if (locations.length > SHOWN_LOCATIONS) {
      parts.push(el("span", { class: "where", text: "另有 " + (locations.length - SHOWN_LOCATIONS) + " 处" }));
    }
    if (f.expected !== undefined && f.found !== undefined && f.expected !== null && f.found !== null) {
      parts.push(el("span", { class: "detail", text: "应为：" + f.expected + "；实为：" + f.found }));
    }
    if (f.hint) parts.push(el("span", { class: "detail", text: "建议：" + f.hint }));
    if (interactive === false) return el("div", { class: "finding " + f.severity }, parts);
    const button = el("button", {
      type: "button", class: "finding " + f.severity, "aria-pressed": "false",
      "data-finding": String(f._index),
    }, parts);
    button.addEventListener("click", () => markFinding(f, button));
    return button;
  }

  function keysOf(f) {
    return (f.locations || []).map((l) => l.key).filter(Boolean);
  }

  function markFinding(f, button) {
    for (const b of document.querySelectorAll(".finding[aria-pressed='true']")) b.setAttribute("aria-pressed", "false");
    for (const td of document.querySelectorAll("td.marked")) td.classList.remove("marked");
    button.setAttribute("aria-pressed", "true");
    const cells = keysOf(f).map((k) => document.querySelector('td[data-key="' + CSS.escape(k) + '"]')).filter(Boolean);
    for (const td of cells) td.classList.add("marked");
    if (cells.length) {
      cells[0].scrollIntoView({ block: "center", behavior: "smooth" });
      $("cell-source").textContent = "已标出 " + cells.length + " 个单元格：" + f.message;
    } else {
      $("cell-source").textContent = "这条问题不涉及统计表中的单元格。";
    }
  }

  function valueText(entry) {
    if (!entry) return "";
    if (entry.value === null || entry.value === undefined) return entry.raw || "";
    return String(entry.value);
  }

  // The format's three tables; with a check's values and its findings' cells flagged.
  function renderTables(layout, check) {
    const values = (check && check.report.values) || {};
    const findings = (check && check.findings) || [];
    // The worst severity of the findings naming each cell.
    const flagged = {};
    for (const f of findings) {
      for (const key of keysOf(f)) {
        if (!flagged[key] || RANK[f.severity] > RANK[flagged[key]]) flagged[key] = f.severity;
      }
    }
    const box = $("unit-tables");
    box.replaceChildren();
    for (const table of layout.tables) {
      const total = table.col_widths.reduce((a, b) => a + b, 0) || 1;
      const colgroup = el("colgroup", {}, table.col_widths.map((w) =>
        el("col", { style: "width:" + (100 * w / total).toFixed(2) + "%" })));
      const body = el("tbody");
      for (const row of table.rows) {
        const tr = el("tr");
        for (const slot of row) {
          if (!slot) continue;
          if (slot.key !== undefined) {
            const [rowKey, field] = slot.key.split(".");
            const entry = (values[rowKey] || {})[field];
            const text = valueText(entry);
            const severity = flagged[slot.key];
            const source = entry && entry.source ? locationText(entry.source)
              : check ? "（未读到该数值）" : "（尚未选择文件）";
            const td = el("td", {
              class: "value" + (text === "" ? " missing" : "") + (severity ? " flag-" + severity : ""),
              colspan: slot.colspan > 1 ? String(slot.colspan) : null,
              "data-key": slot.key,
              title: slot.label + "\n来源：" + source,
              tabindex: severity ? "0" : null,
              text,
            });
            const say = () => { $("cell-source").textContent = slot.label + "　来源：" + source; };
            td.addEventListener("mouseenter", say);
            td.addEventListener("focus", say);
            tr.append(td);
          } else {
            tr.append(el("td", {
              class: slot.role,
              rowspan: slot.rowspan > 1 ? String(slot.rowspan) : null,
              colspan: slot.colspan > 1 ? String(slot.colspan) : null,
              text: slot.text,
            }));
          }
        }
        body.append(tr);
      }
      box.append(el("table", { class: "report", id: "table-" + table.id }, [
        el("caption", { text: table.title }), colgroup, body]));
    }
  }

  async function buildDownload(xlsx, pdf) {
    showMessage("");
    const extra = { xlsx };
    if (pdf) extra.pdf = pdf;
    if ($("unit-allow-errors").checked) extra.allow_errors = "1";
    try {
      const response = await api("/api/build", { method: "POST", body: unitForm(extra) });
      if (!response.ok) {
        showMessage(await errorOf(response));
        return;
      }
      const fallback = pdf === "only" ? "报告.pdf" : xlsx === "only" ? "统计表.xlsx" : "报告.docx";
      downloadBlob(await response.blob(), fileNameOf(response, fallback));
    } catch (e) {
      showMessage(e.message);
    }
  }
  $("unit-docx").addEventListener("click", () => buildDownload("0"));
  $("unit-xlsx").addEventListener("click", () => buildDownload("only"));
  $("unit-pdf").addEventListener("click", () => buildDownload("0", "only"));

  // ---- 批量检查 ----
  let batchFiles = [];
  let batchUnits = [];

  function addBatchFiles(items) {
    for (const item of items) {
      if (!batchFiles.some((f) => f.path === item.path)) batchFiles.push(item);
    }
    $("batch-summary-files").textContent = batchFiles.length ? "已选择 " + batchFiles.length + " 个文件" : "";
  }
  $("batch-files").addEventListener("change", (e) => {
    addBatchFiles(Array.from(e.target.files).map((file) => ({ file, path: file.name })));
    e.target.value = "";
  });
  $("batch-folder").addEventListener("change", (e) => {
    addBatchFiles(Array.from(e.target.files).map((file) => ({ file, path: file.webkitRelativePath || file.name })));
    e.target.value = "";
  });
  dropZone($("batch-drop"), addBatchFiles);

  function batchForm(view) {
    const form = new FormData();
    for (const item of batchFiles) form.append("files", item.file, item.path);
    if ($("batch-allow-errors").checked) form.append("allow_errors", "1");
    if ($("batch-blank-as-zero").checked) form.append("blank_as_zero", "1");
    if (view) form.append("view", view);
    return form;
  }

  $("batch-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!batchFiles.length) {
      showMessage("请先选择各单位的文件、文件夹或 zip 压缩包。");
      return;
    }
    showMessage("");
    const button = $("batch-check");
    button.disabled = true;
    button.textContent = "正在检查…";
    try {
      const response = await api("/api/batch", { method: "POST", body: batchForm("json") });
      if (!response.ok) {
        showMessage(await errorOf(response));
        return;
      }
      const result = await response.json();
      batchUnits = result.units || [];
      renderUnits();
      $("batch-download").disabled = false;
    } catch (err) {
      showMessage(err.message);
    } finally {
      button.disabled = false;
      button.textContent = "开始检查";
    }
  });

  $("batch-download").addEventListener("click", async () => {
    showMessage("");
    try {
      const response = await api("/api/batch", { method: "POST", body: batchForm() });
      if (!response.ok) {
        showMessage(await errorOf(response));
        return;
      }
      downloadBlob(await response.blob(), fileNameOf(response, "批量检查结果.zip"));
    } catch (err) {
      showMessage(err.message);
    }
  });
  $("batch-filter").addEventListener("change", renderUnits);

  function renderUnits() {
    const filter = $("batch-filter").value;
    const count = (s) => batchUnits.filter((u) => u.status === s).length;
    $("batch-title").textContent = "共 " + batchUnits.length + " 个单位：通过 " + count("通过") +
      "，有警告 " + count("有警告") + "，有错误 " + count("有错误") + "，无法读取 " + count("无法读取");
    const body = $("batch-table").tBodies[0];
    body.replaceChildren();
    const figure = (u, name) => (u.figures && u.figures[name]) || "";
    for (const u of batchUnits) {
      if (filter && u.status !== filter) continue;
      const open = el("button", { type: "button", "aria-expanded": "false", text: "查看（" + u.findings.length + "）" });
      const tr = el("tr", {}, [
        el("td", { text: u.name }),
        el("td", { text: u.org }),
        el("td", { class: "status-" + u.status, text: u.status }),
        el("td", { class: "num", text: String(u.counts.errors) }),
        el("td", { class: "num", text: String(u.counts.warnings) }),
        el("td", { class: "num", text: String(u.counts.infos) }),
        el("td", { class: "num", text: figure(u, "本年新收") }),
        el("td", { class: "num", text: figure(u, "办结（总计）") }),
        el("td", { class: "num", text: figure(u, "结转下年度") }),
        el("td", { class: "num", text: figure(u, "行政复议") }),
        el("td", {}, [open]),
      ]);
      body.append(tr);
      let detail = null;
      open.addEventListener("click", () => {
        if (detail) {
          detail.remove();
          detail = null;
          open.setAttribute("aria-expanded", "false");
          return;
        }
        const list = el("div");
        for (const [severity, label] of SEVERITIES) {
          const group = u.findings.filter((f) => f.severity === severity);
          if (!group.length) continue;
          const items = el("ol");
          for (const f of group) {
            items.append(el("li", {}, [findingButton(f, false)]));
          }
          list.append(el("section", { class: "group " + severity }, [
            el("h3", { text: label + "（" + group.length + "）" }), items]));
        }
        if (!u.findings.length) list.append(el("p", { class: "muted", text: "没有问题。" }));
        detail = el("tr", { class: "unit-findings" }, [el("td", { colspan: "11" }, [list])]);
        tr.after(detail);
        open.setAttribute("aria-expanded", "true");
      });
    }
    $("batch-result").hidden = false;
  }

  loadFormats().catch((e) => showMessage(e.message));
})();
