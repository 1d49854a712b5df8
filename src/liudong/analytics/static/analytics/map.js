/* The distribution map: choropleth with drill-down, stations as markers, migration lines.
   Boundaries and figures come from this server (no CDN); see analytics/views.py map_page. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var L = cfg.labels;
  var el = document.getElementById("map");
  var chart = echarts.init(el);
  var trail = [{ code: "china", name: L.country }];
  var stations = [];
  var current = null;

  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  function esc(text) {
    var d = document.createElement("div"); d.textContent = text == null ? "" : String(text); return d.innerHTML;
  }
  function geoFile(code) { return get(cfg.geo + code + ".json"); }

  function renderTrail() {
    var ol = document.getElementById("map-trail");
    ol.innerHTML = "";
    trail.forEach(function (step, i) {
      var li = document.createElement("li");
      li.className = "breadcrumb-item" + (i === trail.length - 1 ? " active" : "");
      if (i < trail.length - 1) {
        var a = document.createElement("a"); a.href = "#"; a.textContent = step.name;
        a.addEventListener("click", function (e) { e.preventDefault(); trail = trail.slice(0, i + 1); show(); });
        li.appendChild(a);
      } else { li.textContent = step.name; }
      ol.appendChild(li);
    });
  }

  function renderSide(areas) {
    var list = document.getElementById("side-list");
    list.innerHTML = "";
    var rows = areas.slice().sort(function (a, b) { return b.total - a.total; });
    if (!rows.length) { list.innerHTML = "<li class='text-muted'>" + esc(L.none) + "</li>"; return; }
    rows.forEach(function (a, i) {
      var li = document.createElement("li");
      li.className = "d-flex justify-content-between border-bottom py-1";
      li.innerHTML = "<span><span class='text-muted ld-num me-1'>" + (i + 1) + "</span><a href='" + esc(a.ledger_url) +
        "' title='" + esc(L.ledger) + "'>" + esc(a.short || a.name) + "</a></span><span class='ld-num'>" + a.total +
        " <span class='text-muted'>(" + (a.coverage == null ? "—" : a.coverage + "%") + ")</span></span>";
      list.appendChild(li);
    });
  }

  function stationSeries(mapCode) {
    var prefix = mapCode === "china" ? "" : mapCode.replace(/0+$/, "");
    if (prefix.length % 2) { prefix += "0"; }
    var shown = stations.filter(function (s) { return !prefix || s.city.indexOf(prefix) === 0; });
    return {
      name: L.stations, type: "effectScatter", coordinateSystem: "geo", zlevel: 2,
      rippleEffect: { scale: 3, brushType: "stroke" },
      symbolSize: function (v) { return Math.max(8, Math.min(24, 6 + Math.sqrt(v[2]) * 0.9)); },
      itemStyle: { color: "#ffb400", borderColor: "#7a4a00", borderWidth: 1 },
      label: { show: current && current.level === "county", formatter: "{b}", position: "right", fontSize: 11, color: "#333" },
      data: shown.map(function (s) {
        return { name: s.name.replace(/流动党员(联络|服务)站$/, ""), value: [s.lng, s.lat, s.attached], station: s };
      })
    };
  }

  function tooltip(p) {
    if (p.seriesType === "effectScatter") {
      var s = p.data.station;
      return esc(s.name) + "<br>" + esc(s.kind === "liaison" ? L.liaison : L.service) + " · " + esc(L.attached) + " " + s.attached;
    }
    if (p.seriesType === "lines") {
      return esc(p.data.fromName) + " → " + esc(p.data.toName) + ": " + p.data.value + " " + esc(L.members);
    }
    var d = p.data;
    if (!d) { return esc(p.name) + ": 0"; }
    return "<b>" + esc(d.fullName || p.name) + "</b><br>" + esc(L.members) + " " + d.value + "<br>" + esc(L.managed) + " " +
      d.managed + " · " + esc(L.coverage) + " " + (d.coverage == null ? "—" : d.coverage + "%");
  }

  function show() {
    var step = trail[trail.length - 1];
    renderTrail();
    chart.showLoading({ text: "", color: "#c8161d" });
    geoFile(step.code).then(function (geo) {
      echarts.registerMap(step.code, geo);
      var names = {};
      geo.features.forEach(function (f) { if (f.properties.code) { names[f.properties.code] = f.properties.name; } });
      var level = step.code === "china" ? "province" : geo.level;
      var url = cfg.distribution + "?" + cfg.query + "&level=" + level + (step.code === "china" ? "" : "&parent=" + step.code);
      var lines = cfg.view === "lines" && step.code === "china" ? get(cfg.lines + "?" + cfg.query + "&top=40") : Promise.resolve(null);
      return Promise.all([get(url), lines]).then(function (res) {
        current = { code: step.code, level: level, names: names, geo: geo };
        draw(res[0], res[1]);
      });
    }).catch(function () {
      chart.hideLoading();
      trail.pop(); if (trail.length) { renderTrail(); }
    });
  }

  function draw(dist, lines) {
    var byName = [];
    var max = 1;
    dist.areas.forEach(function (a) {
      var name = current.names[a.code];
      a.short = name || a.name;
      if (!name) { return; }
      max = Math.max(max, a.total);
      byName.push({ name: name, value: a.total, managed: a.managed, coverage: a.coverage, code: a.code, url: a.ledger_url, fullName: a.name });
    });
    renderSide(dist.areas);
    var dim = cfg.view === "lines";
    var series = [{
      name: L.members, type: "map", geoIndex: 0, data: byName
    }, stationSeries(current.code)];
    if (lines && lines.lines.length) {
      var top = lines.lines[0].n;
      series.push({
        name: L.lines, type: "lines", coordinateSystem: "geo", zlevel: 3,
        effect: { show: true, period: 5, trailLength: 0.5, symbol: "arrow", symbolSize: 6, color: "#fff2a8" },
        lineStyle: { color: "#c8161d", opacity: 0.75, curveness: 0.25 },
        data: lines.lines.map(function (l) {
          return { coords: l.coords, value: l.n, fromName: l.from_name, toName: l.to_name,
                   lineStyle: { width: 1 + 7 * l.n / top } };
        })
      });
      series.push({
        type: "scatter", coordinateSystem: "geo", zlevel: 3, symbolSize: 5, itemStyle: { color: "#c8161d" },
        label: { show: true, formatter: "{b}", position: "right", fontSize: 11, color: "#222" },
        tooltip: { show: false },
        data: lines.lines.reduce(function (acc, l) {
          if (!acc.seen[l.to]) { acc.seen[l.to] = 1; acc.items.push({ name: l.to_name, value: l.coords[1] }); }
          return acc;
        }, { seen: {}, items: [] }).items
      });
      var list = document.getElementById("side-list");
      list.innerHTML = "";
      lines.lines.slice(0, 25).forEach(function (l, i) {
        var li = document.createElement("li");
        li.className = "d-flex justify-content-between border-bottom py-1";
        li.innerHTML = "<span><span class='text-muted ld-num me-1'>" + (i + 1) + "</span>" + esc(l.from_name) + " → " + esc(l.to_name) + "</span><span class='ld-num'>" + l.n + "</span>";
        list.appendChild(li);
      });
      document.getElementById("side-title").textContent = L.lines;
    }
    chart.hideLoading();
    chart.setOption({
      tooltip: { trigger: "item", formatter: tooltip },
      visualMap: {
        min: 0, max: max, left: 10, bottom: 10, calculable: false, text: [String(max), "0"], itemHeight: 120,
        inRange: { color: dim ? ["#f3f4f6", "#cfd6e0"] : ["#fdf1f1", "#f4b3b5", "#e0575c", "#a01017"] },
        seriesIndex: 0
      },
      geo: {
        map: current.code, roam: true, zoom: current.code === "china" ? 1.15 : 1,
        center: current.code === "china" ? [104.5, 36] : undefined,
        label: { show: current.code !== "china", fontSize: 10, color: "#333" },
        itemStyle: { borderColor: "#9aa3ad", borderWidth: 0.6, areaColor: "#f6f7f9" },
        emphasis: { label: { show: true }, itemStyle: { areaColor: "#ffd35b" } }
      },
      series: series
    }, true);
  }

  chart.on("click", function (p) {
    if (p.componentType !== "series" || p.seriesType !== "map" || !p.data) {
      if (p.componentType === "geo" || p.seriesType === "map") { return; }
      return;
    }
    var code = p.data.code;
    if (current.level === "county" || cfg.view === "lines") { window.location.href = p.data.url; return; }
    trail.push({ code: code, name: p.name });
    show();
  });
  window.addEventListener("resize", function () { chart.resize(); });

  // Start: the stations (markers), then the map drilled as the URL asks (?area=610000).
  get(cfg.dashboard + "?" + cfg.query.replace(/(^|&)direction=[^&]*/, "")).then(function (b) {
    stations = b.stations.list;
  }).catch(function () { stations = []; }).then(function () {
    if (cfg.area && cfg.view !== "lines") {
      var province = cfg.area.slice(0, 2) + "0000";
      geoFile("china").then(function (geo) {
        var name = null;
        geo.features.forEach(function (f) { if (f.properties.code === province) { name = f.properties.name; } });
        if (name) { trail.push({ code: province, name: name }); }
        if (cfg.area !== province && name) {
          return geoFile(province).then(function (g) {
            g.features.forEach(function (f) { if (f.properties.code === cfg.area) { trail.push({ code: cfg.area, name: f.properties.name }); } });
          });
        }
      }).then(show, show);
    } else { show(); }
  });
})();
