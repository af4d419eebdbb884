import CoreMetrics
import Prometheus

/// The process's one metrics backend: swift-metrics counters and timers, recorded by Hummingbird's
/// `MetricsMiddleware` and by the register's services, land in this Prometheus registry.
///
/// swift-metrics has one backend per process, installed once: the first application built installs
/// it (before its services are made), and every later one (the tests build many) shares it. Figures
/// that belong to one server (its pool, its uploads) are not kept here but read at each scrape
/// (`MetricsController`).
enum PrometheusBackend {
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = renamed
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// Installs the backend if no application has yet.
    static func install() { _ = registry }

    /// Hummingbird's names (OpenTelemetry's, with dots) as Prometheus names, with the units and the
    /// `_total` suffix Prometheus expects; other names pass unchanged.
    static let names = [
        "hb.requests": "register_http_requests_total",
        "hb.request.errors": "register_http_request_errors_total",
        "http.server.request.duration": "register_http_request_duration_seconds",
        "http.server.active_requests": "register_http_requests_active",
    ]
    static let labels = [
        "http.route": "route", "http.request.method": "method", "http.response.status_code": "status", "error.type": "status",
    ]
    /// A client may send any method name: only the known ones become label values, so a scanner
    /// cannot add a series per name it invents.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    @Sendable static func renamed(_ name: String, _ dimensions: [(String, String)]) -> (String, [(String, String)]) {
        let dimensions = dimensions.map { key, value -> (String, String) in
            let key = labels[key] ?? key
            return (key, key == "method" && !methods.contains(value) ? "OTHER" : value)
        }
        return (names[name] ?? name, dimensions)
    }
}
