// A reference app for the quiesce protocol (docs/protocol.md), standard library only.
package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"
)

const (
	versionHeader = "Quiesce-Protocol-Version"
	maxBody       = 1024
	maxReason     = 256
)

// quiescer holds the mode (set by POST / DELETE) and the counters; the state follows from both (§4).
type quiescer struct {
	mu        sync.Mutex
	quiescing bool
	inFlight  int64
	accepted  int64
	refused   int64
	idle      chan struct{} // closed and replaced whenever inFlight reaches 0
	// releaseUntil: while the pod settles, answers close their connection (§7) so pinned clients reconnect.
	releaseUntil time.Time
}

type status struct {
	State    string           `json:"state"`
	InFlight int64            `json:"inFlight"`
	Accepted int64            `json:"accepted"`
	Refused  int64            `json:"refused"`
	Classes  map[string]int64 `json:"classes"`
}

func (q *quiescer) status() status {
	q.mu.Lock()
	defer q.mu.Unlock()
	state := "serving"
	if q.quiescing && q.inFlight > 0 {
		state = "quiescing"
	} else if q.quiescing {
		state = "drained"
	}
	return status{state, q.inFlight, q.accepted, q.refused, map[string]int64{"sync": q.inFlight}}
}

func (q *quiescer) setQuiescing(on bool) status {
	q.mu.Lock()
	q.quiescing = on
	q.releaseUntil = time.Time{}
	q.mu.Unlock()
	return q.status()
}

// release answers the settle's Quiesce-Release-Connections header (a positive number of seconds); other values are ignored.
func (q *quiescer) release(header string) {
	seconds, err := strconv.Atoi(strings.TrimSpace(header))
	if err != nil || seconds <= 0 {
		return
	}
	until := time.Now().Add(time.Duration(min(seconds, 3600)) * time.Second)
	q.mu.Lock()
	defer q.mu.Unlock()
	if until.After(q.releaseUntil) {
		q.releaseUntil = until
	}
}

// releasing: answers end their connection (quiescing, or settling after a release was asked).
func (q *quiescer) releasing() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.quiescing || time.Now().Before(q.releaseUntil)
}

// admit counts a new unit of work in, or a refusal (false) while quiescing (§7.1, §7.3).
func (q *quiescer) admit(allowed bool) (done func(), ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.quiescing && !allowed {
		q.refused++
		return nil, false
	}
	q.accepted++
	q.inFlight++
	return func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		if q.inFlight--; q.inFlight == 0 {
			close(q.idle)
			q.idle = make(chan struct{})
		}
	}, true
}

func (q *quiescer) drained() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.inFlight == 0 {
		c := make(chan struct{})
		close(c)
		return c
	}
	return q.idle
}

func writeJSON(w http.ResponseWriter, code int, body any, protocol bool) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if protocol {
		h.Set(versionHeader, "1")
		h.Set("Cache-Control", "no-store")
	}
	if code >= 400 {
		h.Set("Connection", "close")
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(body)
}

func fail(w http.ResponseWriter, code int, errCode, message string) {
	writeJSON(w, code, map[string]string{"error": errCode, "message": message}, true)
}

// endpoint serves GET (status), POST (quiesce) and DELETE (unquiesce); the checks run in the order of §6.
func endpoint(q *quiescer, token string) http.HandlerFunc {
	want := sha256.Sum256([]byte(token))
	return func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			scheme, presented, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
			got := sha256.Sum256([]byte(strings.TrimSpace(presented)))
			if !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="quiesce"`)
				fail(w, http.StatusUnauthorized, "unauthorized", "missing or invalid bearer token")
				return
			}
		}
		if r.Method != http.MethodGet && r.Method != http.MethodPost && r.Method != http.MethodDelete {
			w.Header().Set("Allow", "GET, POST, DELETE")
			fail(w, http.StatusMethodNotAllowed, "method-not-allowed", "method "+r.Method+" is not allowed; use GET, POST or DELETE")
			return
		}
		if v := r.Header.Values(versionHeader); len(v) > 0 && (len(v) > 1 || v[0] != "1") {
			fail(w, http.StatusBadRequest, "unsupported-protocol-version", "this server speaks protocol version 1")
			return
		}
		if code, errCode, message := checkBody(r); code != 0 {
			fail(w, code, errCode, message)
			return
		}
		switch r.Method {
		case http.MethodPost:
			writeJSON(w, http.StatusAccepted, q.setQuiescing(true), true)
		case http.MethodDelete:
			writeJSON(w, http.StatusOK, q.setQuiescing(false), true)
		default:
			if v := r.Header.Get("Quiesce-Release-Connections"); v != "" {
				q.release(v)
			}
			writeJSON(w, http.StatusOK, q.status(), true)
		}
	}
}

// checkBody reads at most maxBody bytes: a declared length above it is refused before reading.
func checkBody(r *http.Request) (int, string, string) {
	tooLarge := fmt.Sprintf("request body exceeds %d bytes", maxBody)
	if r.ContentLength > maxBody {
		return http.StatusRequestEntityTooLarge, "body-too-large", tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return http.StatusBadRequest, "malformed-body", "request body unreadable"
	}
	if len(body) > maxBody {
		return http.StatusRequestEntityTooLarge, "body-too-large", tooLarge
	}
	if len(body) == 0 {
		return 0, "", ""
	}
	if media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); media != "application/json" {
		return http.StatusUnsupportedMediaType, "unsupported-media-type", "request body must be application/json"
	}
	var parsed any
	if json.Unmarshal(body, &parsed) != nil {
		return http.StatusBadRequest, "malformed-body", "request body is not valid JSON"
	}
	object, isObject := parsed.(map[string]any)
	if !isObject {
		return http.StatusBadRequest, "malformed-body", "request body must be a JSON object"
	}
	if reason, present := object["reason"]; present {
		if s, isString := reason.(string); !isString || utf8.RuneCountInString(s) > maxReason {
			return http.StatusBadRequest, "malformed-body", fmt.Sprintf("reason must be a string of at most %d characters", maxReason)
		}
	}
	return 0, "", ""
}

// work holds a request for ?ms=N; while quiescing it refuses new work with 503 (allow-listed: X-Quiesce-Allow).
func work(q *quiescer, retryAfter int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("ms"))
		if r.URL.Query().Get("ms") == "" {
			ms, err = 0, nil
		}
		if err != nil || ms < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad-query", "message": "ms must be a whole number"}, false)
			return
		}
		done, ok := q.admit(r.Header.Get("X-Quiesce-Allow") != "")
		if !ok {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "quiescing", "message": "quiescing: retry elsewhere"}, false)
			return
		}
		defer done()
		select {
		case <-time.After(time.Duration(ms) * time.Millisecond):
			if q.releasing() {
				w.Header().Set("Connection", "close") // net/http then closes the connection after this answer
			}
			writeJSON(w, http.StatusOK, map[string]any{"work": "done", "ms": ms}, false)
		case <-r.Context().Done():
		}
	}
}

func main() {
	host := flag.String("host", envOr("POD_IP", "0.0.0.0"), "address to bind")
	port := flag.String("port", envOr("PORT", "8080"), "main port: /work, probes (and /quiesce without -admin-port)")
	adminPort := flag.String("admin-port", os.Getenv("ADMIN_PORT"), "port for /quiesce, /healthz, /readyz")
	tokenFile := flag.String("token-file", os.Getenv("QUIESCE_TOKEN_FILE"), "file holding the bearer token")
	retryAfter := flag.Int("retry-after", 5, "Retry-After seconds on 503 while quiescing")
	shutdownTimeout := flag.Duration("shutdown-timeout", 25*time.Second, "cap on draining after SIGTERM")
	flag.Parse()
	token := os.Getenv("QUIESCE_TOKEN")
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			log.Fatal(err)
		}
		token = string(b)
	}
	token = strings.TrimSpace(token)

	q := &quiescer{idle: make(chan struct{})}
	mainMux, adminMux := http.NewServeMux(), http.NewServeMux()
	if *adminPort == "" {
		adminMux = mainMux
	}
	mainMux.Handle("/work", work(q, *retryAfter))
	adminMux.Handle("/quiesce", endpoint(q, token))
	adminMux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"live": true}, false) // §7.4: green while quiescing
	})
	adminMux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		code := http.StatusOK
		if q.status().State != "serving" {
			code = http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]bool{"ready": code == http.StatusOK}, false)
	})
	servers := []*http.Server{{Addr: net.JoinHostPort(*host, *port), Handler: mainMux}}
	if *adminPort != "" {
		servers = append(servers, &http.Server{Addr: net.JoinHostPort(*host, *adminPort), Handler: adminMux})
	}
	for _, s := range servers {
		listener, err := net.Listen("tcp", s.Addr)
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			if err := s.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
				log.Fatal(err)
			}
		}()
	}
	log.Printf("listening on %s (token: %t)", servers[len(servers)-1].Addr, token != "")

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	q.setQuiescing(true) // §7.6: quiesce, let the work finish (bounded), then exit
	exit := 0
	select {
	case <-q.drained():
	case <-time.After(*shutdownTimeout):
		exit = 1
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, s := range servers {
		_ = s.Shutdown(shutdownCtx)
	}
	os.Exit(exit)
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
