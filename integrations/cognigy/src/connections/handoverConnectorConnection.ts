import type { IConnectionSchema } from '@cognigy/extension-tools';
import { CONNECTION_TYPE } from '../lib/descriptors';

/**
 * The connector endpoint a Flow hands over to. Cognigy stores the values encrypted and passes them to a node
 * as `config.connection.{baseUrl, endpointId, apiKey}`.
 */
export const handoverConnectorConnection: IConnectionSchema = {
  type: CONNECTION_TYPE,
  label: 'Handover connector endpoint (URL, endpoint id, API key)',
  fields: [{ fieldName: 'baseUrl' }, { fieldName: 'endpointId' }, { fieldName: 'apiKey' }],
};
