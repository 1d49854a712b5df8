/* A siting plan on the map: existing stations, candidates, chosen new sites, members not served
   by prefecture. Boundaries from this server (analytics' geo files, no tiles, no CDN); the plan's
   data from the page (json_script "siting-map-config"). */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("siting-map-config").textContent);
  var L = cfg.labels;
  function esc(text) {
    var d = document.createElement("div"); d.textContent = text == null ? "" : String(text); return d.innerHTML;
  }
  function located(rows) { return rows.filter(function (r) { return r.lng != null && r.lat != null; }); }

  function view(plan) {
    var pts = located(plan.candidates).concat(located(plan.uncovered));
    if (!pts.length) { return { center: [104, 36], zoom: 1.2 }; }
    var lngs = pts.map(function (p) { return p.lng; }), lats = pts.map(function (p) { return p.lat; });
    var x0 = Math.min.apply(null, lngs), x1 = Math.max.apply(null, lngs);
    var y0 = Math.min.apply(null, lats), y1 = Math.max.apply(null, lats);
    var zoom = Math.min(62 / Math.max(1.5, (x1 - x0) * 1.35), 36 / Math.max(1.2, (y1 - y0) * 1.35));
    return { center: [(x0 + x1) / 2, (y0 + y1) / 2], zoom: Math.max(1, Math.min(zoom, 24)) };
  }

  function draw(el, plan) {
    var chart = echarts.init(el);
    var v = view(plan);
    var chosen = {};
    plan.sites.forEach(function (s) { chosen[s.id] = s; });
    var existing = plan.candidates.filter(function (c) { return c.existing; });
    var others = plan.candidates.filter(function (c) { return !c.existing && !chosen[c.id]; });
    var picked = plan.sites.filter(function (s) { return s.new; });
    var maxU = Math.max.apply(null, [1].concat(plan.uncovered.map(function (u) { return u.members; })));
    function pt(c, extra) { return { name: c.name, value: [c.lng, c.lat, extra || 0], row: c }; }
    chart.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var r = p.data && p.data.row;
          if (!r) { return esc(p.name); }
          if (p.seriesIndex === 3) { return esc(r.name) + "<br>" + esc(L.uncovered) + " " + r.members; }
          var s = chosen[r.id];
          return esc(r.name) + (s ? "<br>" + esc(L.served) + " " + s.members + " " + esc(L.members) : "");
        }
      },
      legend: { top: 4, left: 8, data: [L.existing, L.chosen, L.candidates, L.uncovered] },
      geo: {
        map: "china", roam: true, center: v.center, zoom: v.zoom,
        itemStyle: { areaColor: "#f3f4f6", borderColor: "#9aa3ad" },
        emphasis: { disabled: true }, label: { show: false }
      },
      series: [
        { name: L.candidates, type: "scatter", coordinateSystem: "geo", symbol: "circle", symbolSize: 7,
          itemStyle: { color: "#adb5bd", borderColor: "#6c757d" }, data: located(others).map(function (c) { return pt(c); }) },
        { name: L.existing, type: "scatter", coordinateSystem: "geo", symbol: "diamond", symbolSize: 14, zlevel: 2,
          itemStyle: { color: "#ffb400", borderColor: "#7a4a00" }, data: located(existing).map(function (c) { return pt(c); }) },
        { name: L.chosen, type: "effectScatter", coordinateSystem: "geo", symbol: "pin", symbolSize: 22, zlevel: 3,
          rippleEffect: { scale: 2.5, brushType: "stroke" }, itemStyle: { color: "#c8102e" },
          data: located(picked).map(function (s) { return pt(s, s.members); }) },
        { name: L.uncovered, type: "scatter", coordinateSystem: "geo", zlevel: 1,
          symbolSize: function (val) { return 8 + 26 * Math.sqrt(val[2] / maxU); },
          itemStyle: { color: "rgba(13,110,253,0.35)", borderColor: "#0d6efd" },
          label: { show: true, position: "right", formatter: function (p) { return p.data.row.members; }, fontSize: 10, color: "#0d6efd" },
          data: located(plan.uncovered).map(function (u) { return pt(u, u.members); }) }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "1");
  }

  fetch(cfg.geo, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (geo) {
      echarts.registerMap("china", geo);
      document.querySelectorAll("[data-siting-map]").forEach(function (el) {
        var plan = cfg.plans[Number(el.getAttribute("data-siting-map"))];
        if (plan) { draw(el, plan); }
      });
    });
})();
