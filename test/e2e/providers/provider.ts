// A cluster for the e2e scenarios: where its kubeconfig is, and how to give it back.
export interface ClusterProvider {
  name: string;
  kubeconfigPath: string;
  stop(): Promise<void>;
}
