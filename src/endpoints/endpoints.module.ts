import { Module } from '@nestjs/common';
import { AdminModule } from '../auth/admin.module';
import { EndpointsAdminController } from './endpoints-admin.controller';
import { EndpointsSeeder } from './endpoints.seeder';
import { EndpointsService } from './endpoints.service';

@Module({
  imports: [AdminModule],
  controllers: [EndpointsAdminController],
  providers: [EndpointsService, EndpointsSeeder],
  exports: [EndpointsService],
})
export class EndpointsModule {}
