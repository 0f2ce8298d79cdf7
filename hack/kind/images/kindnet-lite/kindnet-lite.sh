#!/bin/bash
# What kindnetd does, minus NetworkPolicy and IPv6: write a bridge CNI config for this node's podCIDR and route
# every other node's podCIDR via that node's InternalIP. Re-read every 5 s.
set -u
api=https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT
sa=/var/run/secrets/kubernetes.io/serviceaccount
conf=/etc/cni/net.d/10-kindnet-lite.conflist
while true; do
  if nodes=$(curl -sf --cacert $sa/ca.crt -H "Authorization: Bearer $(cat $sa/token)" "$api/api/v1/nodes"); then
    echo "$nodes" | jq -r '.items[] | [.metadata.name, (.spec.podCIDR // ""),
        ([.status.addresses[] | select(.type == "InternalIP") | .address | select(test(":") | not)][0] // "")] | @tsv' |
      while IFS=$'\t' read -r name cidr ip; do
        [ -n "$cidr" ] || continue
        if [ "$name" = "$NODE_NAME" ]; then
          want=$(jq -cn --arg s "$cidr" '{cniVersion: "1.0.0", name: "kindnet-lite", plugins: [
            {type: "bridge", bridge: "cni0", isGateway: true, ipMasq: true, hairpinMode: true,
             ipam: {type: "host-local", ranges: [[{subnet: $s}]], routes: [{dst: "0.0.0.0/0"}]}},
            {type: "portmap", capabilities: {portMappings: true}}]}')
          if [ "$(cat $conf 2>/dev/null)" != "$want" ]; then
            echo "$want" >$conf.tmp && mv $conf.tmp $conf && echo "wrote $conf for $cidr"
          fi
        elif [ -n "$ip" ]; then
          ip route replace "$cidr" via "$ip" || echo "route $cidr via $ip failed"
        fi
      done
  else
    echo "cannot list nodes yet"
  fi
  sleep 5
done
