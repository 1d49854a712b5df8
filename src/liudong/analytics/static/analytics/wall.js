/* The wall display: coverage gauges, the map with the migration lines, coverage bars. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("wall-config").textContent);
  var coverage = JSON.parse(document.getElementById("wall-coverage").textContent);
  var rows = JSON.parse(document.getElementById("wall-rows").textContent);
  var text = "#e8ecf3";
  function get(url) { return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }); }

  var gauges = echarts.init(document.getElementById("wall-gauges"));
  var shown = coverage.filter(function (c) { return c.target != null; });
  gauges.setOption({
    series: shown.map(function (c, i) {
      return {
        type: "gauge", center: [(25 + 50 * i) + "%", "55%"], radius: "46%", min: 0, max: 100,
        progress: { show: true, width: 12, itemStyle: { color: c.light === "green" ? "#3ddc97" : c.light === "amber" ? "#ffc107" : "#ff5252" } },
        axisLine: { lineStyle: { width: 12, color: [[c.target / 100, "rgba(255,255,255,.12)"], [1, "rgba(255,255,255,.05)"]] } },
        axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
        title: { offsetCenter: [0, "75%"], color: "#9fb0cc", fontSize: 15 },
        detail: { offsetCenter: [0, "5%"], fontSize: 30, color: "#ffd35b", formatter: function (v) { return v + "%"; } },
        data: [{ value: c.coverage == null ? 0 : c.coverage, name: c.label + "\n" + cfg.labels.target + " " + c.target + "%" }]
      };
    })
  });

  var bars = echarts.init(document.getElementById("wall-bars"));
  var names = rows.filter(function (r) { return r.found; }).map(function (r) { return r.label; });
  var used = rows.filter(function (r) { return r.found; });
  bars.setOption({
    textStyle: { color: text },
    legend: { top: 0, textStyle: { color: text } },
    grid: { left: 70, right: 20, top: 30, bottom: 25 },
    xAxis: { type: "value", max: 100, axisLabel: { color: "#9fb0cc", formatter: "{value}%" }, splitLine: { lineStyle: { color: "rgba(255,255,255,.08)" } } },
    yAxis: { type: "category", data: names, inverse: true, axisLabel: { color: text, fontSize: 13 } },
    series: [
      { name: cfg.labels.in_province, type: "bar", barGap: "10%", data: used.map(function (r) { return r.in_province.coverage; }), itemStyle: { color: "#ff6b6b" },
        markLine: { symbol: "none", label: { position: "insideEndTop", color: "#ff6b6b", formatter: cfg.labels.target + " {c}%" }, lineStyle: { color: "#ff6b6b", type: "dashed" }, data: [{ xAxis: used.length ? used[0].in_province.target : 100 }] } },
      { name: cfg.labels.out_of_province, type: "bar", data: used.map(function (r) { return r.out_of_province.coverage; }), itemStyle: { color: "#5fa8ff" },
        markLine: { symbol: "none", label: { position: "insideEndTop", color: "#5fa8ff", formatter: cfg.labels.target + " {c}%" }, lineStyle: { color: "#5fa8ff", type: "dashed" }, data: [{ xAxis: used.length ? used[0].out_of_province.target : 30 }] } }
    ]
  });

  var map = echarts.init(document.getElementById("wall-map"));
  Promise.all([get(cfg.geo), get(cfg.distribution), get(cfg.lines), get(cfg.dashboard)]).then(function (res) {
    var geo = res[0], dist = res[1], lines = res[2].lines, stations = res[3].stations.list;
    echarts.registerMap("china", geo);
    var names = {};
    geo.features.forEach(function (f) { names[f.properties.code] = f.properties.name; });
    var max = 1;
    var data = dist.areas.filter(function (a) { return names[a.code]; }).map(function (a) { max = Math.max(max, a.total); return { name: names[a.code], value: a.total }; });
    var top = lines.length ? lines[0].n : 1;
    map.setOption({
      tooltip: { trigger: "item" },
      visualMap: { min: 0, max: max, show: false, inRange: { color: ["#16305a", "#2f5d9c", "#e0575c", "#ff3b3b"] }, seriesIndex: 0 },
      geo: { map: "china", roam: false, zoom: 1.2, center: [104.5, 36], label: { show: false },
             itemStyle: { areaColor: "#12264a", borderColor: "#3d6bb3", borderWidth: 0.7 }, emphasis: { itemStyle: { areaColor: "#2f5d9c" }, label: { show: true, color: "#fff" } } },
      series: [
        { type: "map", geoIndex: 0, data: data },
        { type: "lines", coordinateSystem: "geo", zlevel: 2,
          effect: { show: true, period: 4, trailLength: 0.6, symbol: "arrow", symbolSize: 7, color: "#fff" },
          lineStyle: { color: "#ffd35b", opacity: 0.8, curveness: 0.25 },
          data: lines.map(function (l) { return { coords: l.coords, lineStyle: { width: 1 + 6 * l.n / top } }; }) },
        { type: "effectScatter", coordinateSystem: "geo", zlevel: 3, rippleEffect: { scale: 4, brushType: "stroke" },
          itemStyle: { color: "#ffd35b" }, symbolSize: 9,
          label: { show: false },
          data: stations.map(function (s) { return { name: s.name, value: [s.lng, s.lat, s.attached] }; }) }
      ]
    });
  });
  window.addEventListener("resize", function () { gauges.resize(); bars.resize(); map.resize(); });
})();
