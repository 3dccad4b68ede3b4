#ifndef TM_METRICS_H
#define TM_METRICS_H

/*
 * metrics - the daemon's counters, written every metrics.interval seconds
 * to metrics.file in the Prometheus text format (for node_exporter's
 * textfile collector; `tenantctl status` reads the same file):
 *
 *   tenant_milter_config_generation, tenant_milter_config_load_timestamp_seconds,
 *   tenant_milter_config_tenants                               gauges
 *   tenant_milter_reloads_total{result="ok|refused"}           counter
 *   tenant_milter_messages_total{tenant,action}                counter
 *   tenant_milter_spf_temperror_total{tenant}                  counter (DNS errors)
 *   tenant_milter_dkim_key{tenant,domain,selector,state}       gauge 1 (the guard)
 *   tenant_milter_metrics_timestamp_seconds                    gauge
 *
 * Memory grows with the tenants seen (one row of counters each, unknown
 * senders as tenant "-"), never with messages.  Thread safety: every
 * function from any thread.
 */

/* tm_metrics_message - one decided message (its decision line) */
void tm_metrics_message(const char *tenant, const char *action, int spf_temperror);
/* tm_metrics_reload - a reload: ok 1 published, 0 refused */
void tm_metrics_reload(int ok);
/* tm_metrics_loaded - a configuration went into force now */
void tm_metrics_loaded(unsigned long generation);
/* tm_metrics_write - the file, atomically (FILE.tmp renamed); 0 or -1 */
int tm_metrics_write(const char *path);

#endif
