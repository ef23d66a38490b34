// The dashboard's charts (hotline/templates/reports/dashboard.html), drawn with ECharts from the
// JSON data block #dashboard-charts: a strict CSP allows data blocks, not inline code. Tooltips
// render as rich text because HTML tooltips carry style attributes that the CSP refuses.
(function () {
  "use strict";

  function percent(values) {
    return values.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; });
  }

  function bars(el, rows, names) {
    var top = rows.slice(0, 12);
    return echarts.init(el).setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: [names.received, names.dispatched, names.overdue] },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", inverse: true, data: top.map(function (r) { return r.name; }),
               axisLabel: { width: 140, overflow: "truncate" } },
      series: [
        { name: names.received, type: "bar", data: top.map(function (r) { return r.received; }) },
        { name: names.dispatched, type: "bar", data: top.map(function (r) { return r.dispatched; }) },
        { name: names.overdue, type: "bar", data: top.map(function (r) { return r.overdue; }) }
      ]
    });
  }

  function trend(el, data) {
    var names = data.names;
    return echarts.init(el).setOption({
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: [names.received, names.on_time_rate, names.satisfaction_rate] },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.trend.buckets },
      yAxis: [
        { type: "value", name: "件", minInterval: 1 },
        { type: "value", name: "%", min: 0, max: 100 }
      ],
      series: [
        { name: names.received, type: "bar", data: data.trend.received },
        { name: names.on_time_rate, type: "line", yAxisIndex: 1, connectNulls: true,
          data: percent(data.trend.on_time_rate) },
        { name: names.satisfaction_rate, type: "line", yAxisIndex: 1, connectNulls: true,
          data: percent(data.trend.satisfaction_rate) }
      ]
    });
  }

  // 自定义 shows the from/to days; the other periods are reckoned from today.
  function toggleCustom(select) {
    document.querySelectorAll(".dashboard-custom").forEach(function (el) {
      el.classList.toggle("d-none", select.value !== "custom");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var period = document.querySelector("[data-dashboard-period]");
    if (period) {
      toggleCustom(period);
      period.addEventListener("change", function () { toggleCustom(period); });
    }
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var charts = [
      trend(document.getElementById("chart-trend"), data),
      bars(document.getElementById("chart-categories"), data.categories, data.names),
      bars(document.getElementById("chart-areas"), data.areas, data.names)
    ];
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  });
})();
