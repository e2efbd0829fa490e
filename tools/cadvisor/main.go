// cadvisor: cAdvisor's container manager and Prometheus collector (upstream's library packages,
// github.com/google/cadvisor{,/lib} v0.61.0, Apache-2.0) behind a small main of our own, because
// upstream's main package (its nested `cmd` module) is not served by the Go module proxy.
//
// What it keeps of upstream's command: the flag names and defaults the program and the official
// image use (-logtostderr and the other klog flags, -port, -listen_ip, -prometheus_endpoint,
// -docker_only, -housekeeping_interval, -store_container_labels, -whitelisted_container_labels,
// -disable_metrics, -enable_metrics, -storage_duration, ...), the default disabled metric kinds,
// /metrics with the container, machine, Go and process collectors, and /healthz. What it drops:
// the web UI, the REST API (/api/...), HTTP auth, storage drivers, pprof and the cloud-provider
// probes (they only label machine_info and would call out of the host).
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	// The docker container provider (the other runtimes are not used by imstack).
	_ "github.com/google/cadvisor/container/docker/install"
	"github.com/google/cadvisor/lib/cache/memory"
	"github.com/google/cadvisor/lib/container"
	"github.com/google/cadvisor/lib/manager"
	"github.com/google/cadvisor/lib/metrics"
	info "github.com/google/cadvisor/lib/model"
	"github.com/google/cadvisor/lib/utils/sysfs"
	"github.com/google/cadvisor/lib/version"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

var (
	listenIP           = flag.String("listen_ip", "", "IP to listen on, defaults to all IPs")
	port               = flag.Int("port", 8080, "port to listen")
	showVersion        = flag.Bool("version", false, "print cAdvisor version and exit")
	prometheusEndpoint = flag.String("prometheus_endpoint", "/metrics", "Endpoint to expose Prometheus metrics on")
	storeLabels        = flag.Bool("store_container_labels", true, "convert container labels and environment variables into labels on prometheus metrics for each container")
	whitelistedLabels  = flag.String("whitelisted_container_labels", "", "comma separated list of container labels to be converted to labels on prometheus metrics (store_container_labels=false)")
	envWhitelist       = flag.String("env_metadata_whitelist", "", "comma-separated environment variable key prefixes to collect for containers")
	rawCgroupPrefixes  = flag.String("raw_cgroup_prefix_whitelist", "", "comma-separated cgroup path prefixes collected even with -docker_only")
	storageDuration    = flag.Duration("storage_duration", 2*time.Minute, "How long to keep data stored")
	maxProcs           = flag.Int("max_procs", 0, "accepted for compatibility; Go already uses every CPU")

	// Upstream's default: these kinds are off unless -enable_metrics names them.
	disabledMetrics = container.MetricSet{
		container.MemoryNumaMetrics: {}, container.NetworkTcpUsageMetrics: {}, container.NetworkUdpUsageMetrics: {},
		container.NetworkAdvancedTcpUsageMetrics: {}, container.ProcessSchedulerMetrics: {}, container.ProcessMetrics: {},
		container.HugetlbUsageMetrics: {}, container.ReferencedMemoryMetrics: {}, container.CPUTopologyMetrics: {},
		container.ResctrlMetrics: {}, container.CPUSetMetrics: {},
	}
	enabledMetrics = container.MetricSet{}
)

func init() {
	kinds := container.AllMetrics.String()
	flag.Var(&disabledMetrics, "disable_metrics", "comma-separated list of `metrics` to be disabled. Options are "+kinds)
	flag.Var(&enabledMetrics, "enable_metrics", "comma-separated list of `metrics` to be enabled; overrides disable_metrics. Options are "+kinds)
}

func main() {
	klog.InitFlags(nil)
	_ = flag.Set("v", "2") // upstream's default verbosity
	flag.Parse()
	defer klog.Flush()
	if *showVersion {
		fmt.Printf("cAdvisor version %s (%s) [library build, imstack main]\n", version.Info["version"], version.Info["revision"])
		return
	}
	_ = *maxProcs

	included := container.AllMetrics.Difference(disabledMetrics)
	if len(enabledMetrics) > 0 {
		included = enabledMetrics
	}
	// The lists are split as upstream does: "" is [""], which the raw factory reads as "no prefixes"
	// (it indexes [0] under -docker_only and panics on an empty slice).
	mgr, err := manager.New(memory.New(*storageDuration, nil), sysfs.NewRealSysFs(), manager.HousekeepingConfigFlags,
		included, strings.Split(*rawCgroupPrefixes, ","), strings.Split(*envWhitelist, ","), "", 0)
	if err != nil {
		klog.Fatalf("Failed to create a manager: %s", err)
	}

	labels := metrics.DefaultContainerLabels
	if !*storeLabels {
		labels = metrics.BaseContainerLabels(strings.Split(*whitelistedLabels, ","))
	}
	machine := metrics.NewPrometheusMachineCollector(mgr, included)
	goCollector := collectors.NewGoCollector()
	processCollector := collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})

	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
	mux.HandleFunc(*prometheusEndpoint, func(w http.ResponseWriter, r *http.Request) {
		// One scrape = the newest sample of every container, recursively from the root (upstream's defaults).
		opts := info.RequestOptions{IdType: "name", Count: 1, Recursive: true}
		reg := prometheus.NewRegistry()
		reg.MustRegister(metrics.NewPrometheusCollector(mgr, labels, included, clock.RealClock{}, opts), machine, goCollector, processCollector)
		promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}).ServeHTTP(w, r)
	})

	if err := mgr.Start(); err != nil {
		klog.Fatalf("Failed to start manager: %v", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		sig := <-stop
		if err := mgr.Stop(); err != nil {
			klog.Errorf("Failed to stop container manager: %v", err)
		}
		klog.Infof("Exiting given signal: %v", sig)
		os.Exit(0)
	}()

	addr := fmt.Sprintf("%s:%d", *listenIP, *port)
	klog.V(1).Infof("Starting cAdvisor version: %s-%s on %s", version.Info["version"], version.Info["revision"], addr)
	klog.Fatal(http.ListenAndServe(addr, mux))
}
