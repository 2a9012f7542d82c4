/**
 * `SwitchboardModule.forRoot(options)` provides one Publisher to the whole application; inject it
 * with `@Inject(Publisher)`. Publishes still waiting for their batch are sent at shutdown.
 */
import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Publisher, type PublisherOptions } from '@switchboard/publisher';

@Global()
@Module({})
export class SwitchboardModule implements OnApplicationShutdown {
  constructor(@Inject(Publisher) private readonly publisher: Publisher) {}

  static forRoot(options: PublisherOptions): DynamicModule {
    return {
      module: SwitchboardModule,
      providers: [{ provide: Publisher, useFactory: () => new Publisher(options) }],
      exports: [Publisher],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.flush();
  }
}
