/**
 * The console page (issue 16): plain HTML and JS, no framework, served at `/ui`. It holds no data
 * and no secret: it calls the public API with the token the user types (kept in localStorage).
 * Tail is a long-poll fetch loop per partition (wait_ms), from the latest offsets.
 */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dostream console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}input,button,textarea{font:inherit}#err{color:#b00}#tail{background:#111;color:#9f9;padding:.5rem;min-height:4rem;max-height:20rem;overflow:auto;font:12px monospace}
</style></head><body>
<h1>dostream console</h1>
<p><label>Token (API key or JWT; empty when auth is off) <input id="token" size="60" type="password"></label>
<button id="save">Use</button> <button id="refresh">Refresh</button> <span id="who"></span></p>
<p id="err"></p>
<h2>Topics</h2><table id="topics"><thead><tr><th>topic</th><th>partition</th><th>earliest</th><th>latest</th><th>hot records</th><th>hot bytes</th><th>warm records</th><th>warm bytes</th></tr></thead><tbody></tbody></table>
<h2>Consumer groups</h2><table id="groups"><thead><tr><th>group</th><th>state</th><th>members (assignment)</th><th>lag</th></tr></thead><tbody></tbody></table>
<h2>Produce a test record</h2>
<p><input id="ptopic" placeholder="topic"> <input id="pkey" placeholder="key (optional)"> <input id="pvalue" size="40" placeholder='value (JSON, e.g. {"hello":1})'> <button id="produce">Produce</button> <span id="pout"></span></p>
<h2>Live tail</h2>
<p><input id="ttopic" placeholder="topic"> <button id="tail-start">Tail</button> <button id="tail-stop">Stop</button></p>
<pre id="tail"></pre>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
$("token").value = localStorage.getItem("dostream.token") || "";
async function api(method, path, body) {
  const headers = {};
  const token = $("token").value.trim();
  if (token) headers.authorization = "Bearer " + token;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(method + " " + path + ": " + res.status + " " + (json.error ? json.error.code + " " + json.error.message : ""));
  return json;
}
function showError(e) { $("err").textContent = e ? String(e.message || e) : ""; }
async function refresh() {
  showError(null);
  try {
    const me = await api("GET", "/v1/auth/whoami");
    $("who").textContent = "as " + me.principal;
    const { topics } = await api("GET", "/v1/topics");
    const rows = [];
    for (const t of topics) {
      const d = await api("GET", "/v1/topics/" + encodeURIComponent(t.name));
      for (const p of d.partition_offsets || []) rows.push("<tr><td>" + esc(t.name) + "</td><td>" + p.partition + "</td><td>" + p.earliest_offset + "</td><td>" + p.latest_offset + "</td><td>" + p.hot.records + "</td><td>" + p.hot.bytes + "</td><td>" + p.warm.records + "</td><td>" + p.warm.bytes + "</td></tr>");
    }
    $("topics").tBodies[0].innerHTML = rows.join("");
    const { groups } = await api("GET", "/v1/groups");
    const grows = [];
    for (const g of groups) {
      const d = await api("GET", "/v1/groups/" + encodeURIComponent(g.group_id)).catch(() => ({ members: [] }));
      const o = await api("GET", "/v1/groups/" + encodeURIComponent(g.group_id) + "/offsets").catch(() => ({ partitions: [] }));
      const members = (d.members || []).map((m) => esc(m.member_id) + " (" + esc(JSON.stringify(m.assignment)) + ")").join("<br>");
      const lag = (o.partitions || []).map((p) => esc(p.topic) + "/" + p.partition + ": " + p.lag).join("<br>");
      grows.push("<tr><td>" + esc(g.group_id) + "</td><td>" + esc(g.state) + "</td><td>" + members + "</td><td>" + lag + "</td></tr>");
    }
    $("groups").tBodies[0].innerHTML = grows.join("");
  } catch (e) { showError(e); }
}
$("save").onclick = () => { localStorage.setItem("dostream.token", $("token").value.trim()); refresh(); };
$("refresh").onclick = refresh;
$("produce").onclick = async () => {
  try {
    let value = $("pvalue").value;
    try { value = JSON.parse(value); } catch {}
    const record = { value };
    if ($("pkey").value) record.key = $("pkey").value;
    const r = await api("POST", "/v1/topics/" + encodeURIComponent($("ptopic").value) + "/records", { records: [record] });
    $("pout").textContent = "written at " + r.records.map((x) => x.partition + ":" + x.offset).join(", ");
  } catch (e) { showError(e); }
};
let tailRun = 0;
$("tail-stop").onclick = () => { tailRun++; };
$("tail-start").onclick = async () => {
  const run = ++tailRun;
  const topic = $("ttopic").value;
  $("tail").textContent = "";
  try {
    const { partitions } = await api("GET", "/v1/topics/" + encodeURIComponent(topic) + "/offsets?at=latest");
    for (const p of partitions) loop(run, topic, p.partition, p.offset || 0);
    $("tail").setAttribute("data-ready", "1");
  } catch (e) { showError(e); }
};
async function loop(run, topic, partition, offset) {
  while (run === tailRun) {
    try {
      const r = await api("GET", "/v1/topics/" + encodeURIComponent(topic) + "/partitions/" + partition + "/records?offset=" + offset + "&wait_ms=10000");
      for (const rec of r.records) {
        $("tail").textContent += partition + ":" + rec.offset + " " + (rec.key === null || rec.key === undefined ? "" : rec.key + " ") + JSON.stringify(rec.value) + "\\n";
      }
      offset = r.next_offset;
    } catch (e) { showError(e); await new Promise((ok) => setTimeout(ok, 1000)); }
  }
}
refresh();
</script></body></html>`;
