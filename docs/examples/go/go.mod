module example.com/quiesce-reference

go 1.22
