module quiesce.dev/hack/kind/pause

go 1.24.0
