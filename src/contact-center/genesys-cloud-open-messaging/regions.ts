/**
 * Genesys Cloud regions as the official SDK names them (PureCloudRegionHosts), mapped to their environment host.
 * An endpoint may name a region by SDK key ("eu_central_1") or by host ("mypurecloud.de").
 */
export const GENESYS_REGIONS: Readonly<Record<string, string>> = {
  us_east_1: 'mypurecloud.com',
  eu_west_1: 'mypurecloud.ie',
  ap_southeast_2: 'mypurecloud.com.au',
  ap_northeast_1: 'mypurecloud.jp',
  eu_central_1: 'mypurecloud.de',
  us_west_2: 'usw2.pure.cloud',
  ca_central_1: 'cac1.pure.cloud',
  ap_northeast_2: 'apne2.pure.cloud',
  eu_west_2: 'euw2.pure.cloud',
  ap_south_1: 'aps1.pure.cloud',
  us_east_2: 'use2.us-gov-pure.cloud',
  sa_east_1: 'sae1.pure.cloud',
  me_central_1: 'mec1.pure.cloud',
  ap_northeast_3: 'apne3.pure.cloud',
  eu_central_2: 'euc2.pure.cloud',
  mx_central_1: 'mxc1.pure.cloud',
  ap_southeast_1: 'apse1.pure.cloud',
  eusc_de_east_1: 'edee1.eusc-pure.cloud',
};

const HOSTS = new Set(Object.values(GENESYS_REGIONS));

/** The environment host of a region given by SDK key or host, or undefined when unknown. */
export function regionHost(region: string): string | undefined {
  const key = region.trim().toLowerCase();
  return GENESYS_REGIONS[key] ?? (HOSTS.has(key) ? key : undefined);
}

export function regionBaseUrls(region: string): { apiBaseUrl: string; loginBaseUrl: string } | undefined {
  const host = regionHost(region);
  return host ? { apiBaseUrl: `https://api.${host}`, loginBaseUrl: `https://login.${host}` } : undefined;
}
