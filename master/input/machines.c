/*
 * machines.c - parse the machines file, one "[N/][user@]host[:port]
 * key=value ..." a line, into struct dist_machines (see machines.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "input/isolation.h"
#include "input/machines.h"
#include "input/require.h"
#include "lib/lib.h"

#define MACHINES_MAX	100000	/* a file's, after range expansion */
#define SLOTS_MAX	1024
#define HOST_MAX	253	/* bytes in a host name (DNS limit) */
#define USER_MAX	64


/*
 * The known attributes, in the order "unknown attribute" lists them.  A
 * value is never empty; check, if set, validates it further (returns -1
 * with a cause, without file:line).  Add new keys here.
 */
static const struct attr_def {
	const char	*key;
	int		(*check)(const char *, const char *, char **);
} attr_defs[] = {
	{ "workdir",	machine_check_path },
	{ "lockfile",	machine_check_path },
	{ "benchdir",	machine_check_path },
	{ "cpus",	isolation_check_value },
	{ "aslr",	isolation_check_value },
	{ "tmpfs",	isolation_check_value },
	{ "numa",	isolation_check_value },
	{ "nice",	isolation_check_value },
	{ "isolation",	isolation_check_value },
	/* facts and tags, matched to jobs' requirements (require.h) */
	{ "tags",	require_check_attr },
	{ "cores",	require_check_attr },
	{ "memory",	require_check_attr },
	{ "cpu-model",	require_check_attr },
	{ "arch",	require_check_attr },
};

struct mparser {
	const char		*file;
	int			 line;
	struct dist_machines	*m;
	size_t			 alloc;
	size_t			*dup;		/* hash set, machine index+1 */
	size_t			 dupcap;	/* a power of two, or 0 */
	char			**cause;
};

/* The first word of a line and its attributes, before range expansion. */
struct spec {
	int			 slots;
	char			*user;
	char			*host;		/* pattern or IPv6 address */
	int			 ipv6;
	int			 port;
	struct dist_attr	*attrs;
	size_t			 nattrs;
};

static int perr(struct mparser *, const char *, ...) PRINTFLIKE(2, 3);

/* Set the cause to "file:line: message"; returns -1. */
static int
perr(struct mparser *p, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	set_cause(p->cause, "%s:%d: %s", p->file, p->line, msg);
	free(msg);
	return -1;
}

char *
machine_path_at_home(const char *path, const char *home)
{
	const char *rest = path + 1;

	if (path[0] != '~' || (*rest != '\0' && *rest != '/'))
		return xstrdup(path);
	while (*rest == '/')
		rest++;
	if (*rest == '\0')
		return xstrdup(home);
	return xasprintf("%s%s%s", home, strcmp(home, "/") == 0 ? "" : "/",
	    rest);
}

int
machine_check_path(const char *key, const char *value, char **cause)
{
	const char *s;

	for (s = value; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return set_cause(cause, "%s: control character 0x%02x "
			    "in the path", key, (unsigned char)*s);
	if (value[0] == '/' || strcmp(value, "~") == 0 ||
	    strncmp(value, "~/", 2) == 0)
		return 0;
	if (value[0] == '~')
		return set_cause(cause, "%s '%s': '~user' is not understood; "
		    "write the absolute path, or '~/...' for the login "
		    "user's home", key, value);
	return set_cause(cause, "%s '%s': not an absolute path or a path "
	    "starting with '~/'", key, value);
}

static void
spec_free(struct spec *sp)
{
	size_t i;

	for (i = 0; i < sp->nattrs; i++) {
		free(sp->attrs[i].key);
		free(sp->attrs[i].value);
	}
	free(sp->attrs);
	free(sp->user);
	free(sp->host);
	memset(sp, 0, sizeof *sp);
}

/* Strict UTF-8: no overlong forms, surrogates or values past U+10FFFF. */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	unsigned char c, lo, hi;
	size_t i = 0, n, k;

	while (i < len) {
		if ((c = s[i]) < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			lo = c == 0xe0 ? 0xa0 : lo;
			hi = c == 0xed ? 0x9f : hi;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			lo = c == 0xf0 ? 0x90 : lo;
			hi = c == 0xf4 ? 0x8f : hi;
		} else
			return 0;
		if (len - i - 1 < n || s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (k = 2; k <= n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Split a line into words at blanks, up to a '#' outside double quotes.
 * Quotes stay in the words; any other control character is an error.
 */
static int
split_line(struct mparser *p, const char *s, struct strvec *words)
{
	struct strbuf w = STRBUF_INIT;
	int inword = 0, quoted = 0, rc = -1;
	unsigned char c;

	for (;; s++) {
		c = (unsigned char)*s;
		if (c == '\0' ||
		    (!quoted && (c == ' ' || c == '\t' || c == '#'))) {
			if (inword)
				sv_push(words, sb_str(&w));
			sb_reset(&w);
			inword = 0;
			if (c == '\0' || c == '#')
				break;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			perr(p, "control character 0x%02x%s", c,
			    quoted ? " in quoted value" : "");
			goto out;
		}
		if (c == '"')
			quoted = !quoted;
		sb_addc(&w, (char)c);
		inword = 1;
	}
	if (quoted) {
		perr(p, "unterminated '\"'");
		goto out;
	}
	rc = 0;
out:
	sb_release(&w);
	return rc;
}

/* A decimal number of at most maxdigits digits in [min, max], or -1. */
static int
parse_uint(const char *s, size_t len, int maxdigits, int min, int max)
{
	long v = 0;
	size_t i;

	if (len == 0 || len > (size_t)maxdigits)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v < min || v > max ? -1 : (int)v;
}

static int
parse_port(struct mparser *p, const char *s, int *port)
{
	if (*s == '\0')
		return perr(p, "missing port after ':'");
	if ((*port = parse_uint(s, strlen(s), 5, 1, 65535)) == -1)
		return perr(p, "invalid port '%s' (want 1 to 65535)", s);
	return 0;
}

/* True if s has only the characters of host and user names: [A-Za-z0-9._-]. */
static int
name_chars(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9'))
			continue;
		if (*s != '.' && *s != '_' && *s != '-')
			return 0;
	}
	return 1;
}

static int
check_user(struct mparser *p, const char *user)
{
	if (*user == '\0')
		return perr(p, "empty user name before '@'");
	if (!name_chars(user) || *user == '-' || strlen(user) > USER_MAX)
		return perr(p, "invalid user name '%s' (letters, digits, '.', "
		    "'-' and '_', not starting with '-')", user);
	return 0;
}

static int
check_host(struct mparser *p, const char *host)
{
	if (!name_chars(host) || *host == '-' || *host == '.' ||
	    *host == '\0' || strlen(host) > HOST_MAX)
		return perr(p, "invalid host name '%s' (letters, digits, '.', "
		    "'-' and '_', not starting with '-' or '.')", host);
	return 0;
}

/* An IPv6 address, optionally with a %zone (fe80::1%eth0). */
static int
check_ipv6(struct mparser *p, const char *host)
{
	struct in6_addr a;
	char *addr = xstrndup(host, strcspn(host, "%"));
	const char *zone = strchr(host, '%');
	int ok = inet_pton(AF_INET6, addr, &a) == 1;

	free(addr);
	if (ok && zone != NULL)
		ok = zone[1] != '\0' && name_chars(zone + 1);
	return ok ? 0 : perr(p, "invalid IPv6 address '%s'", host);
}

/* "[addr]" or "[addr]:port", s at the '['. */
static int
parse_ipv6(struct mparser *p, const char *s, struct spec *sp)
{
	const char *close = strchr(s, ']');

	sp->ipv6 = 1;
	sp->host = xstrndup(s + 1, (size_t)(close - s - 1));
	if (check_ipv6(p, sp->host) == -1)
		return -1;
	if (close[1] == ':')
		return parse_port(p, close + 2, &sp->port);
	if (close[1] != '\0')
		return perr(p, "unexpected '%s' after ']' in '%s'", close + 1,
		    s);
	return 0;
}

/* "pattern" or "pattern:port"; ':' inside brackets belongs to the range. */
static int
parse_host_port(struct mparser *p, const char *s, struct spec *sp)
{
	const char *c, *colon = NULL;
	size_t ncolon = 0;
	int depth = 0;

	for (c = s; *c != '\0'; c++) {
		if (*c == '[')
			depth++;
		else if (*c == ']')
			depth--;
		else if (*c == ':' && depth <= 0 && ncolon++ == 0)
			colon = c;
	}
	if (ncolon > 1)
		return perr(p, "too many ':' in '%s' (an IPv6 address must be "
		    "in brackets: '[%s]' or '[%s]:PORT')", s, s, s);
	sp->host = colon != NULL ? xstrndup(s, (size_t)(colon - s)) :
	    xstrdup(s);
	if (*sp->host == '\0')
		return perr(p, "missing host before ':'");
	return colon != NULL ? parse_port(p, colon + 1, &sp->port) : 0;
}

/* True if s, at a '[', is a bracketed IPv6 address rather than a range. */
static int
is_ipv6_bracket(const char *s)
{
	const char *close = strchr(s, ']');

	return close != NULL && memchr(s, ':', (size_t)(close - s)) != NULL;
}

/* "2m2" is a legal host name, but more likely "2/m2" without its slash:
 * a number then a letter, in a name without dots. */
static void
warn_slots_typo(const struct mparser *p, const char *host)
{
	size_t n = strspn(host, "0123456789");

	if (n == 0 || n > 4 || !((host[n] >= 'a' && host[n] <= 'z') ||
	    (host[n] >= 'A' && host[n] <= 'Z')) || strchr(host, '.') != NULL)
		return;
	warn("%s:%d: host '%s' starts with a number: if %.*s is a slot "
	    "count, write '%.*s/%s'", p->file, p->line, host, (int)n, host,
	    (int)n, host, host + n);
}

/* The first word of a line: [N/][user@]host[:port]. */
static int
parse_spec(struct mparser *p, const char *word, struct spec *sp)
{
	const char *rest = word, *slash, *at;

	if (strchr(word, '=') != NULL)
		return perr(p, "missing host before attribute '%s'", word);
	if (strchr(word, '"') != NULL)
		return perr(p, "unexpected '\"' in '%s' (quotes are only for "
		    "attribute values)", word);
	sp->slots = 1;
	if ((slash = strchr(rest, '/')) != NULL) {
		sp->slots = parse_uint(rest, (size_t)(slash - rest), 4, 1,
		    SLOTS_MAX);
		if (sp->slots == -1)
			return perr(p, "invalid slot count '%.*s' (want N/host "
			    "with N from 1 to %d)", (int)(slash - rest), rest,
			    SLOTS_MAX);
		rest = slash + 1;
	}
	if ((at = strchr(rest, '@')) != NULL) {
		if (strchr(at + 1, '@') != NULL)
			return perr(p, "more than one '@' in '%s'", word);
		sp->user = xstrndup(rest, (size_t)(at - rest));
		if (check_user(p, sp->user) == -1)
			return -1;
		rest = at + 1;
	}
	if (strcmp(rest, ":") == 0)
		return perr(p, "':' (GNU parallel's local machine) is not "
		    "supported: distribute needs SSH hosts (use 127.0.0.1)");
	if (*rest == '\0')
		return perr(p, "missing host in '%s'", word);
	if (slash == NULL)
		warn_slots_typo(p, rest);
	if (*rest == '[' && is_ipv6_bracket(rest))
		return parse_ipv6(p, rest, sp);
	return parse_host_port(p, rest, sp);
}

static const struct attr_def *
find_attr_def(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attr_defs); i++)
		if (strcmp(attr_defs[i].key, key) == 0)
			return &attr_defs[i];
	return NULL;
}

static int
unknown_attr(struct mparser *p, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(attr_defs); i++)
		sb_addf(&sb, "%s%s", i > 0 ? ", " : "", attr_defs[i].key);
	perr(p, "unknown attribute '%s' (known: %s)", key, sb_str(&sb));
	sb_release(&sb);
	return -1;
}

/* The raw text after '=': plain, or wholly in double quotes. */
static int
parse_value(struct mparser *p, const char *key, const char *raw, char **value)
{
	size_t len = strlen(raw);

	if (raw[0] == '"') {
		if (strchr(raw + 1, '"') != raw + len - 1)
			return perr(p, "text after the closing '\"' in the "
			    "value of '%s'", key);
		*value = xstrndup(raw + 1, len - 2);
	} else if (strchr(raw, '"') != NULL)
		return perr(p, "stray '\"' in the value of '%s' (quote the "
		    "whole value: %s=\"...\")", key, key);
	else
		*value = xstrdup(raw);
	if (**value == '\0')
		return perr(p, "empty value for attribute '%s'", key);
	return 0;
}

/* One key=value word, appended to sp->attrs. */
static int
parse_attr(struct mparser *p, const char *word, struct spec *sp)
{
	const char *eq = strchr(word, '=');
	const struct attr_def *def;
	struct dist_attr *a;
	size_t i;

	if (eq == NULL)
		return perr(p, "attribute '%s' has no '=' (write key=value "
		    "without blanks)", word);
	if (eq == word)
		return perr(p, "missing attribute name before '%s'", word);
	sp->attrs = xreallocarray(sp->attrs, sp->nattrs + 1, sizeof *a);
	a = &sp->attrs[sp->nattrs++];
	a->key = xstrndup(word, (size_t)(eq - word));
	a->value = NULL;
	if ((def = find_attr_def(a->key)) == NULL)
		return unknown_attr(p, a->key);
	for (i = 0; i + 1 < sp->nattrs; i++)
		if (strcmp(sp->attrs[i].key, a->key) == 0)
			return perr(p, "attribute '%s' given twice", a->key);
	if (parse_value(p, a->key, eq + 1, &a->value) == -1)
		return -1;
	if (def->check != NULL && def->check(a->key, a->value, p->cause) == -1)
		return prefix_cause(p->cause, "%s:%d", p->file, p->line);
	return 0;
}

static int
machine_port(const struct dist_machine *mc)
{
	return mc->port != 0 ? mc->port : 22;
}

/* FNV-1a over the duplicate key: user, lowercased host, port. */
static uint64_t
machine_hash(const struct dist_machine *mc)
{
	uint64_t h = 14695981039346656037ULL;
	const char *s;

	for (s = mc->user != NULL ? mc->user : ""; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = (h ^ '@') * 1099511628211ULL;
	for (s = mc->host; *s != '\0'; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) *
		    1099511628211ULL;
	return (h ^ (uint64_t)machine_port(mc)) * 1099511628211ULL;
}

static int
machine_same(const struct dist_machine *a, const struct dist_machine *b)
{
	return strcmp(a->user != NULL ? a->user : "",
	    b->user != NULL ? b->user : "") == 0 &&
	    strcasecmp(a->host, b->host) == 0 &&
	    machine_port(a) == machine_port(b);
}

/* Index + 1 of the slot for machine idx: its equal or an empty one. */
static size_t
dup_slot(const struct mparser *p, size_t idx)
{
	const struct dist_machine *v = p->m->v;
	size_t i, mask = p->dupcap - 1;

	for (i = machine_hash(&v[idx]) & mask; p->dup[i] != 0;
	    i = (i + 1) & mask)
		if (machine_same(&v[p->dup[i] - 1], &v[idx]))
			break;
	return i;
}

/* Add machine idx to the set; 0, or the index + 1 of its equal. */
static size_t
dup_add(struct mparser *p, size_t idx)
{
	size_t i, j;

	if ((idx + 1) * 2 > p->dupcap) {
		free(p->dup);
		p->dupcap = p->dupcap != 0 ? p->dupcap * 2 : 64;
		p->dup = xcalloc(p->dupcap, sizeof *p->dup);
		for (j = 0; j < idx; j++)
			p->dup[dup_slot(p, j)] = j + 1;
	}
	i = dup_slot(p, idx);
	if (p->dup[i] != 0)
		return p->dup[i];
	p->dup[i] = idx + 1;
	return 0;
}

static char *
machine_name(const struct dist_machine *mc)
{
	struct strbuf sb = STRBUF_INIT;

	if (mc->user != NULL)
		sb_addf(&sb, "%s@", mc->user);
	if (strchr(mc->host, ':') != NULL)
		sb_addf(&sb, "[%s]", mc->host);
	else
		sb_adds(&sb, mc->host);
	if (mc->port != 0)
		sb_addf(&sb, ":%d", mc->port);
	return sb_detach(&sb);
}

/* Append the machine for one host of sp; fails on a duplicate. */
static int
add_machine(struct mparser *p, const struct spec *sp, const char *host)
{
	struct dist_machines *m = p->m;
	struct dist_machine *mc, *first;
	size_t i, dup;

	if (m->n >= MACHINES_MAX)
		return perr(p, "too many machines (more than %d)",
		    MACHINES_MAX);
	if (m->n == p->alloc) {
		p->alloc = p->alloc != 0 ? p->alloc * 2 : 16;
		m->v = xreallocarray(m->v, p->alloc, sizeof *m->v);
	}
	mc = &m->v[m->n++];
	memset(mc, 0, sizeof *mc);
	mc->host = xstrdup(host);
	mc->user = sp->user != NULL ? xstrdup(sp->user) : NULL;
	mc->port = sp->port;
	mc->slots = sp->slots;
	mc->file = xstrdup(p->file);
	mc->line = p->line;
	mc->name = machine_name(mc);
	mc->attrs = xcalloc(sp->nattrs, sizeof *mc->attrs);
	for (mc->nattrs = 0, i = 0; i < sp->nattrs; i++, mc->nattrs++) {
		mc->attrs[i].key = xstrdup(sp->attrs[i].key);
		mc->attrs[i].value = xstrdup(sp->attrs[i].value);
	}
	if ((dup = dup_add(p, m->n - 1)) == 0)
		return 0;
	first = &m->v[dup - 1];
	if (strcmp(first->name, mc->name) == 0)
		return perr(p, "duplicate machine '%s' (first at %s:%d)",
		    mc->name, first->file, first->line);
	return perr(p, "duplicate machine '%s' (first at %s:%d as '%s')",
	    mc->name, first->file, first->line, first->name);
}

/* One machine per name the host pattern expands to. */
static int
add_machines(struct mparser *p, const struct spec *sp)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (sp->ipv6)
		return add_machine(p, sp, sp->host);
	if (hostrange_expand(sp->host, &names, &n, p->cause) == -1)
		return prefix_cause(p->cause, "%s:%d", p->file, p->line);
	for (i = 0; i < n; i++)
		if (check_host(p, names[i]) == -1 ||
		    add_machine(p, sp, names[i]) == -1)
			goto out;
	rc = 0;
out:
	hostrange_free(names, n);
	return rc;
}

/* One line, without its line end and known to be NUL-free UTF-8. */
static int
parse_line(struct mparser *p, const char *line)
{
	struct strvec words = STRVEC_INIT;
	struct spec sp;
	size_t i;
	int rc = -1;

	memset(&sp, 0, sizeof sp);
	if (split_line(p, line, &words) == -1)
		goto out;
	if (words.n > 0) {
		if (parse_spec(p, words.v[0], &sp) == -1)
			goto out;
		for (i = 1; i < words.n; i++)
			if (parse_attr(p, words.v[i], &sp) == -1)
				goto out;
		if (add_machines(p, &sp) == -1)
			goto out;
	}
	rc = 0;
out:
	spec_free(&sp);
	sv_clear(&words);
	return rc;
}

static int
parse_raw_line(struct mparser *p, const char *s, size_t len)
{
	char *line;
	int rc;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (memchr(s, '\0', len) != NULL)
		return perr(p, "NUL byte");
	if (!utf8_valid((const unsigned char *)s, len))
		return perr(p, "invalid UTF-8");
	line = xstrndup(s, len);
	rc = parse_line(p, line);
	free(line);
	return rc;
}

int
machines_parse(const char *name, const char *text, size_t len,
    struct dist_machines *m, char **cause)
{
	struct mparser p = { name, 0, m, 0, NULL, 0, cause };
	const char *end, *nl;
	int rc = -1;

	memset(m, 0, sizeof *m);
	if (text == NULL) {
		text = "";
		len = 0;
	}
	end = text + len;
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;		/* a UTF-8 byte order mark */
	for (; text < end; text = nl != NULL ? nl + 1 : end) {
		p.line++;
		nl = memchr(text, '\n', (size_t)(end - text));
		if (parse_raw_line(&p, text,
		    (size_t)((nl != NULL ? nl : end) - text)) == -1)
			goto out;
	}
	if (m->n == 0) {
		set_cause(cause, "%s: no machines", name);
		goto out;
	}
	rc = 0;
out:
	free(p.dup);
	if (rc == -1)
		machines_free(m);
	return rc;
}

int
machines_load(const char *path, struct dist_machines *m, char **cause)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	memset(m, 0, sizeof *m);
	if (read_file(path, &data, &len, cause) == -1)
		return -1;
	rc = machines_parse(path, data, len, m, cause);
	free(data);
	return rc;
}

void
machines_free(struct dist_machines *m)
{
	struct dist_machine *mc;
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		mc = &m->v[i];
		for (j = 0; j < mc->nattrs; j++) {
			free(mc->attrs[j].key);
			free(mc->attrs[j].value);
		}
		free(mc->attrs);
		free(mc->name);
		free(mc->host);
		free(mc->user);
		free(mc->file);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

const char *
machine_attr(const struct dist_machine *mc, const char *key)
{
	size_t i;

	for (i = 0; i < mc->nattrs; i++)
		if (strcmp(mc->attrs[i].key, key) == 0)
			return mc->attrs[i].value;
	return NULL;
}
