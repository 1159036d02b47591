import { env } from "cloudflare:workers";
import { installNetworkGuard } from "./helpers/network";

const hosts = (env as unknown as { TEST_LOCAL_HOSTS: string }).TEST_LOCAL_HOSTS;
installNetworkGuard(hosts.split(","));
