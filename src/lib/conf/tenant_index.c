/*
 * tenant_index.c - the tenant index: which tenant claims a SASL user, an
 * identify-header value, a client network, a sender domain, or owns a
 * domain (sender domain, domain of sender.allowed, provider domain).
 *
 * Public: tm_index_build, tm_index_free, tm_index_sasl, tm_index_header,
 * tm_index_network, tm_index_domain, tm_index_domain_owner.
 *
 * Every map is an open-addressing table with linear probing, sized once
 * before the first insert (load factor at most 1/2), so building makes a
 * fixed number of allocations and a lookup makes none.  Keys are copied
 * into one arena per map next to their tenant pointer: a lookup touches
 * a slot and one entry, not the configuration's scattered strings.
 * Networks are keyed by (family, prefix, masked address); a lookup probes
 * once per prefix length in use for the family, longest first.
 *
 * Failure: duplicate claims are reported to the caller's error list and
 * the first claim (configuration order) wins.  Out of memory can only
 * happen before anything is reported; tm_index_build then returns NULL.
 *
 * Thread safety: immutable after tm_index_build; lookups from any thread.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "util/cidr.h"
#include "util/err.h"
#include "util/htable.h"
#include "conf/tenant_index.h"

/*
 * A table slot is 8 bytes, the hash and a reference to the entry (0 =
 * empty), so that the probed table stays small and hot in the cache;
 * entries are appended in claim order.
 */
struct slot {
	uint32_t hash;
	uint32_t ref;
};

/* One string key in a map's arena: the claiming tenant, then the key. */
struct str_ent {
	const struct tm_tenant *tenant;
	char key[];
};

/* Arena entries start at multiples of ENT_ALIGN; ref = offset / it + 1. */
#define ENT_ALIGN	sizeof(struct str_ent)

struct str_map {
	struct slot *slots;
	size_t mask;			/* capacity (a power of 2) - 1 */
	unsigned char *arena;		/* struct str_ent, one after another */
	size_t used, size;		/* bytes */
	int ci;				/* keys compare case-insensitively */
};

/* The sizes a str_map is made for: keys and arena bytes. */
struct str_need {
	size_t n, bytes;
};

/* Family slots: 0 IPv4, 1 IPv6. */
#define NET_V4		0
#define NET_V6		1
#define NET_FAMILIES	2

/* One network: the masked key, and the tenant that claims it. */
struct net_ent {
	const struct tm_tenant *tenant;
	const struct tm_cidr *cidr;	/* as configured, for messages */
	unsigned char fam;		/* NET_V4 / NET_V6 */
	unsigned char prefix;
	unsigned char addr[16];
};

struct net_map {
	struct slot *slots;
	size_t mask;
	struct net_ent *ents;
	size_t n;
	/* distinct prefix lengths in use per family, longest first */
	unsigned char lens[NET_FAMILIES][129];
	size_t n_lens[NET_FAMILIES];
};

struct tm_index {
	struct str_map sasl;		/* case-insensitive, realm included */
	struct str_map header;		/* case-insensitive */
	struct str_map domain;		/* match.sender_domains */
	struct str_map owner;		/* every domain a tenant owns */
	struct net_map net;
};

/* hash_str - FNV-1a of a string, folded to lower case when ci, mixed */
static uint32_t
hash_str(const char *s, int ci)
{
	return tm_hash_mix(ci ? tm_fnv1a_str_fold(TM_FNV1A_INIT, s) :
			   tm_fnv1a_str(TM_FNV1A_INIT, s));
}

/* str_eq - key equality, ASCII case folded when ci */
static int
str_eq(const char *a, const char *b, int ci)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	if (!ci)
		return strcmp(a, b) == 0;
	for (; *p && tm_ascii_lower(*p) == tm_ascii_lower(*q); p++, q++)
		continue;
	return *p == '\0' && *q == '\0';
}

/* table_cap - a power of two at least twice n (load <= 1/2); 0: too big */
static size_t
table_cap(size_t n)
{
	size_t cap = 16;

	if (n >= UINT32_MAX)
		return 0;
	while (cap < n * 2) {
		if (cap > SIZE_MAX / 4)
			return 0;
		cap *= 2;
	}
	return cap;
}

/* ent_size - arena bytes of the entry for a key of len bytes */
static size_t
ent_size(size_t len)
{
	return (sizeof(struct str_ent) + len + 1 + ENT_ALIGN - 1) /
	       ENT_ALIGN * ENT_ALIGN;
}

/* str_need_add - count one key that a map will hold */
static void
str_need_add(struct str_need *need, const char *key)
{
	need->n++;
	need->bytes += ent_size(strlen(key));
}

/* str_map_init - room for what need counted; 0 ok, -1 out of memory */
static int
str_map_init(struct str_map *m, const struct str_need *need, int ci)
{
	size_t cap = table_cap(need->n);

	m->ci = ci;
	if (cap == 0 || need->bytes / ENT_ALIGN >= UINT32_MAX)
		return -1;
	if ((m->slots = calloc(cap, sizeof(*m->slots))) == NULL ||
	    (m->arena = malloc(need->bytes ? need->bytes : 1)) == NULL)
		return -1;
	m->mask = cap - 1;
	m->size = need->bytes;
	return 0;
}

/* str_ent_at - the entry a slot refers to */
static const struct str_ent *
str_ent_at(const struct str_map *m, uint32_t ref)
{
	return (const struct str_ent *)(const void *)
		(m->arena + (size_t)(ref - 1) * ENT_ALIGN);
}

/* str_map_slot - the slot holding key, or the empty slot where it goes */
static struct slot *
str_map_slot(const struct str_map *m, const char *key, uint32_t h)
{
	size_t i = h & m->mask;

	for (;; i = (i + 1) & m->mask) {
		struct slot *s = &m->slots[i];

		if (s->ref == 0)
			return s;
		if (s->hash == h &&
		    str_eq(str_ent_at(m, s->ref)->key, key, m->ci))
			return s;
	}
}

/*
 * str_map_claim - give key to tenant unless already claimed.  Returns the
 * earlier claimant, or NULL when the claim was recorded.  The map was
 * sized for every key (slots and arena), so there is always room.
 */
static const struct tm_tenant *
str_map_claim(struct str_map *m, const char *key, const struct tm_tenant *t)
{
	uint32_t h = hash_str(key, m->ci);
	struct slot *s = str_map_slot(m, key, h);
	struct str_ent *e;
	size_t len;

	if (s->ref != 0)
		return str_ent_at(m, s->ref)->tenant;
	len = strlen(key);
	if (m->used + ent_size(len) > m->size)
		return NULL;		/* not counted by index_alloc: a bug */
	e = (struct str_ent *)(void *)(m->arena + m->used);
	e->tenant = t;
	memcpy(e->key, key, len + 1);
	s->hash = h;
	s->ref = (uint32_t)(m->used / ENT_ALIGN + 1);
	m->used += ent_size(len);
	return NULL;
}

/* str_map_get - the tenant claiming key, or NULL */
static const struct tm_tenant *
str_map_get(const struct str_map *m, const char *key)
{
	const struct slot *s;

	if (m->slots == NULL || key == NULL)
		return NULL;
	s = str_map_slot(m, key, hash_str(key, m->ci));
	return s->ref ? str_ent_at(m, s->ref)->tenant : NULL;
}

/* net_hash - FNV-1a of (family, prefix, masked address), mixed */
static uint32_t
net_hash(int fam, int prefix, const unsigned char *addr)
{
	unsigned char fp[2] = { (unsigned char)fam, (unsigned char)prefix };

	return tm_hash_mix(tm_fnv1a(tm_fnv1a(TM_FNV1A_INIT, fp, 2), addr,
				    fam == NET_V4 ? 4 : 16));
}

/*
 * net_key - family slot, prefix and masked address of a configured
 * network; -1 for an unknown family.  An IPv4-mapped IPv6 network
 * (::ffff:a.b.c.d/96 and longer) becomes the IPv4 network, since mapped
 * clients are looked up as IPv4.
 */
static int
net_key(const struct tm_cidr *c, int *fam, int *prefix, unsigned char *addr)
{
	struct tm_cidr u;

	tm_cidr_unmap_net(c, &u);
	if (u.family == AF_INET && u.prefix >= 0 && u.prefix <= 32)
		*fam = NET_V4;
	else if (u.family == AF_INET6 && u.prefix >= 0 && u.prefix <= 128)
		*fam = NET_V6;
	else
		return -1;
	*prefix = u.prefix;
	tm_cidr_mask(addr, u.addr, u.prefix);
	return 0;
}

/* net_map_init - room for n networks; 0 ok, -1 out of memory */
static int
net_map_init(struct net_map *m, size_t n)
{
	size_t cap = table_cap(n);

	if (cap == 0 || (m->slots = calloc(cap, sizeof(*m->slots))) == NULL ||
	    (m->ents = calloc(n ? n : 1, sizeof(*m->ents))) == NULL)
		return -1;
	m->mask = cap - 1;
	return 0;
}

/* net_map_slot - the slot holding the key, or the empty slot for it */
static struct slot *
net_map_slot(const struct net_map *m, int fam, int prefix,
	     const unsigned char *addr, uint32_t h)
{
	const struct net_ent *e;
	size_t i = h & m->mask;

	for (;; i = (i + 1) & m->mask) {
		struct slot *s = &m->slots[i];

		if (s->ref == 0)
			return s;
		e = &m->ents[s->ref - 1];
		if (s->hash == h && e->fam == fam && e->prefix == prefix &&
		    memcmp(e->addr, addr, 16) == 0)
			return s;
	}
}

/*
 * net_map_claim - give a network to tenant unless already claimed.
 * Returns the earlier claim, or NULL when recorded (or when the
 * family is unknown: conf.c only produces AF_INET and AF_INET6).
 */
static const struct net_ent *
net_map_claim(struct net_map *m, const struct tm_cidr *c,
	      const struct tm_tenant *t, int *present)
{
	unsigned char addr[16];
	int fam, prefix;
	uint32_t h;
	struct slot *s;
	struct net_ent *e;

	if (net_key(c, &fam, &prefix, addr) < 0)
		return NULL;
	h = net_hash(fam, prefix, addr);
	s = net_map_slot(m, fam, prefix, addr, h);
	if (s->ref != 0)
		return &m->ents[s->ref - 1];
	e = &m->ents[m->n];
	e->tenant = t;
	e->cidr = c;
	e->fam = (unsigned char)fam;
	e->prefix = (unsigned char)prefix;
	memcpy(e->addr, addr, 16);
	s->hash = h;
	s->ref = (uint32_t)++m->n;
	present[fam * 129 + prefix] = 1;
	return NULL;
}

/* net_map_lens - the prefix lengths in use, longest first */
static void
net_map_lens(struct net_map *m, const int *present)
{
	int fam, p;

	for (fam = 0; fam < NET_FAMILIES; fam++) {
		m->n_lens[fam] = 0;
		for (p = fam == NET_V4 ? 32 : 128; p >= 0; p--)
			if (present[fam * 129 + p])
				m->lens[fam][m->n_lens[fam]++] =
					(unsigned char)p;
	}
}

/* cidr_text - network as "addr/prefix" into buf (INET6_ADDRSTRLEN + 5) */
static const char *
cidr_text(const struct tm_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	size_t n;

	if (inet_ntop(c->family, c->addr, a, sizeof(a)) == NULL)
		strcpy(a, "?");
	n = strlen(a);
	if (n + 5 > len)
		return "?";
	memcpy(buf, a, n);
	buf[n] = '/';
	snprintf(buf + n + 1, len - n - 1, "%d", c->prefix);
	return buf;
}

/* file_of - a tenant's file for messages */
static const char *
file_of(const struct tm_tenant *t)
{
	return t->file ? t->file : "?";
}

/* report_dup - fatal: key of t is also claimed by other */
static void
report_dup(struct tm_err *err, const struct tm_tenant *t, const char *what,
	   const char *key, const struct tm_tenant *other)
{
	tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
		   "tenant %s: %s \"%s\" is also claimed by tenant %s (%s)",
		   t->id, what, key, other->id, file_of(other));
}

/* report_reach - fatal: an allowed entry of t lies in other's domain */
static void
report_reach(struct tm_err *err, const struct tm_tenant *t, const char *entry,
	     const struct tm_tenant *other)
{
	tm_err_add(err, TM_ERR_FATAL, t->file, t->line,
		   "tenant %s: sender.allowed \"%s\" reaches into tenant %s's "
		   "domain (%s)", t->id, entry, other->id, file_of(other));
}

/* claim_strv - claim every string of sv in m for t, reporting duplicates */
static void
claim_strv(struct str_map *m, const struct tm_strv *sv,
	   const struct tm_tenant *t, const char *what, struct tm_err *err)
{
	const struct tm_tenant *other;
	size_t i;

	for (i = 0; i < sv->n; i++) {
		other = str_map_claim(m, sv->v[i], t);
		if (other != NULL && other != t)
			report_dup(err, t, what, sv->v[i], other);
	}
}

/* header_of - the identify-header value of a tenant (default: its id) */
static const char *
header_of(const struct tm_tenant *t)
{
	return t->match.header ? t->match.header : t->id;
}

/* index_alloc - an index with every table sized for conf; NULL on OOM */
static struct tm_index *
index_alloc(const struct tm_conf *conf)
{
	struct tm_index *idx;
	struct str_need sasl = { 0, 0 }, header = { 0, 0 }, dom = { 0, 0 };
	struct str_need owner = { 0, 0 };
	size_t i, j, n_net = 0;

	for (i = 0; i < conf->n_tenants; i++) {
		const struct tm_tenant *t = conf->tenants[i];

		for (j = 0; j < t->match.sasl_users.n; j++)
			str_need_add(&sasl, t->match.sasl_users.v[j]);
		str_need_add(&header, header_of(t));
		for (j = 0; j < t->match.sender_domains.n; j++) {
			str_need_add(&dom, t->match.sender_domains.v[j]);
			str_need_add(&owner, t->match.sender_domains.v[j]);
		}
		if (t->provider_domain != NULL)
			str_need_add(&owner, t->provider_domain);
		for (j = 0; j < t->sender.allowed.n; j++)
			if (strchr(t->sender.allowed.v[j], '@') == NULL)
				str_need_add(&owner, t->sender.allowed.v[j]);
		n_net += t->match.n_networks;
	}
	if ((idx = calloc(1, sizeof(*idx))) == NULL)
		return NULL;
	if (str_map_init(&idx->sasl, &sasl, 1) < 0 ||
	    str_map_init(&idx->header, &header, 1) < 0 ||
	    str_map_init(&idx->domain, &dom, 1) < 0 ||
	    str_map_init(&idx->owner, &owner, 1) < 0 ||
	    net_map_init(&idx->net, n_net) < 0) {
		tm_index_free(idx);
		return NULL;
	}
	return idx;
}

/* index_networks - claim every network of t, reporting duplicates */
static void
index_networks(struct tm_index *idx, const struct tm_tenant *t,
	       int *present, struct tm_err *err)
{
	const struct net_ent *e;
	char buf[INET6_ADDRSTRLEN + 5];
	size_t j;

	for (j = 0; j < t->match.n_networks; j++) {
		e = net_map_claim(&idx->net, &t->match.networks[j], t, present);
		if (e != NULL && e->tenant != t)
			report_dup(err, t, "network",
				   cidr_text(&t->match.networks[j], buf,
					     sizeof(buf)), e->tenant);
	}
}

/*
 * index_owners - the domain-owner map, one pass per kind of claim so that
 * what is reported does not depend on tenant order: sender domains, then
 * provider domains, then domains of sender.allowed; last, the domain of
 * every address in sender.allowed is checked against all of them.
 */
static void
index_owners(struct tm_index *idx, const struct tm_conf *conf,
	     struct tm_err *err)
{
	const struct tm_tenant *t, *other;
	const char *entry, *at;
	size_t i, j;

	for (i = 0; i < conf->n_tenants; i++) {
		t = conf->tenants[i];
		/* duplicates among sender domains were reported already */
		for (j = 0; j < t->match.sender_domains.n; j++)
			str_map_claim(&idx->owner,
				      t->match.sender_domains.v[j], t);
	}
	for (i = 0; i < conf->n_tenants; i++) {
		t = conf->tenants[i];
		if (t->provider_domain == NULL)
			continue;
		other = str_map_claim(&idx->owner, t->provider_domain, t);
		if (other != NULL && other != t)
			report_dup(err, t, "provider domain",
				   t->provider_domain, other);
	}
	for (i = 0; i < conf->n_tenants; i++) {
		t = conf->tenants[i];
		for (j = 0; j < t->sender.allowed.n; j++) {
			entry = t->sender.allowed.v[j];
			if (strchr(entry, '@') != NULL)
				continue;
			other = str_map_claim(&idx->owner, entry, t);
			if (other != NULL && other != t)
				report_reach(err, t, entry, other);
		}
	}
	for (i = 0; i < conf->n_tenants; i++) {
		t = conf->tenants[i];
		for (j = 0; j < t->sender.allowed.n; j++) {
			entry = t->sender.allowed.v[j];
			if ((at = strrchr(entry, '@')) == NULL)
				continue;
			other = str_map_get(&idx->owner, at + 1);
			if (other != NULL && other != t)
				report_reach(err, t, entry, other);
		}
	}
}

/* tm_index_build - index every tenant of conf; NULL only when out of memory */
struct tm_index *
tm_index_build(const struct tm_conf *conf, struct tm_err *err)
{
	struct tm_index *idx;
	const struct tm_tenant *t, *other;
	int present[NET_FAMILIES * 129] = { 0 };
	size_t i;

	if ((idx = index_alloc(conf)) == NULL)
		return NULL;
	for (i = 0; i < conf->n_tenants; i++) {
		t = conf->tenants[i];
		claim_strv(&idx->sasl, &t->match.sasl_users, t, "sasl user",
			   err);
		other = str_map_claim(&idx->header, header_of(t), t);
		if (other != NULL && other != t)
			report_dup(err, t, "header value", header_of(t), other);
		index_networks(idx, t, present, err);
		claim_strv(&idx->domain, &t->match.sender_domains, t,
			   "sender domain", err);
	}
	net_map_lens(&idx->net, present);
	index_owners(idx, conf, err);
	return idx;
}

/* tm_index_free - release the index (the tenants belong to conf) */
void
tm_index_free(struct tm_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->sasl.slots);
	free(idx->sasl.arena);
	free(idx->header.slots);
	free(idx->header.arena);
	free(idx->domain.slots);
	free(idx->domain.arena);
	free(idx->owner.slots);
	free(idx->owner.arena);
	free(idx->net.slots);
	free(idx->net.ents);
	free(idx);
}

/* tm_index_sasl - tenant claiming a SASL user (case-insensitive) */
const struct tm_tenant *
tm_index_sasl(const struct tm_index *idx, const char *user)
{
	return idx ? str_map_get(&idx->sasl, user) : NULL;
}

/* tm_index_header - tenant claiming an identify-header value */
const struct tm_tenant *
tm_index_header(const struct tm_index *idx, const char *value)
{
	return idx ? str_map_get(&idx->header, value) : NULL;
}

/* tm_index_domain - tenant whose match.sender_domains holds domain */
const struct tm_tenant *
tm_index_domain(const struct tm_index *idx, const char *domain)
{
	return idx ? str_map_get(&idx->domain, domain) : NULL;
}

/* tm_index_domain_owner - tenant owning domain in any way */
const struct tm_tenant *
tm_index_domain_owner(const struct tm_index *idx, const char *domain)
{
	return idx ? str_map_get(&idx->owner, domain) : NULL;
}

/* tm_index_network - longest-prefix match of a client address */
const struct tm_tenant *
tm_index_network(const struct tm_index *idx, const struct sockaddr *sa)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const unsigned char *a;
	unsigned char key[16];
	const struct slot *s;
	int fam, p;
	size_t i;

	if (idx == NULL || sa == NULL)
		return NULL;
	if (sa->sa_family == AF_INET) {
		sin = (const struct sockaddr_in *)(const void *)sa;
		a = (const unsigned char *)&sin->sin_addr;
		fam = NET_V4;
	} else if (sa->sa_family == AF_INET6) {
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a = sin6->sin6_addr.s6_addr;
		fam = NET_V6;
		if (tm_cidr_is_mapped(a)) {
			a += 12;
			fam = NET_V4;
		}
	} else {
		return NULL;
	}
	for (i = 0; i < idx->net.n_lens[fam]; i++) {
		p = idx->net.lens[fam][i];
		tm_cidr_mask(key, a, p);
		s = net_map_slot(&idx->net, fam, p, key, net_hash(fam, p, key));
		if (s->ref != 0)
			return idx->net.ents[s->ref - 1].tenant;
	}
	return NULL;
}
