// The test cluster harness: a real kube-apiserver (and, on request, workloads) for tests.
export { startCluster, ClusterStartError, type ClusterProps, type TestCluster } from './cluster.ts';
export { compactEtcd, etcdRevision } from './etcd.ts';
export { eventually, type EventuallyProps } from './eventually.ts';
export { createTestNamespace, namespacePrefix, TEST_NAMESPACE_LABEL, type TestNamespace, type TestNamespaceProps } from './namespace.ts';
export { FAILING_IMAGE, FAILING_POD_ANNOTATION, FAILING_POD_MESSAGE_ANNOTATION, FAILING_POD_VALUE, FAKE_NODE_NAME } from './kwok.ts';
export { TEST_USERS, type TestUser, type UserCredentials } from './kubeconfig.ts';
export { assertToolsBuilt, buildTools, toolPath, toolsCacheRoot, TestToolsError, type ToolName } from './tools.ts';
